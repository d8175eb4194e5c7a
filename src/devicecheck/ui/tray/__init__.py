"""The tray app: ``controller.TrayController`` composes the menu, the windows, the Teams
link and the check scheduler; ``launch`` gets the icon on screen first."""
