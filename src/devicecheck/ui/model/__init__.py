"""Pure tray rules (no Qt): state, tooltip, notification gate and wording."""
