"""Every DeviceCheck window; the tray imports each one only when it first opens."""
