"""DeviceCheck: is this council laptop fit for a private video call with a resident?"""

__version__ = "0.1.0"
APP_NAME = "DeviceCheck"
