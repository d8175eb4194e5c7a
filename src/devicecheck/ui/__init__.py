"""The Qt user interface. Only this package and the Teams link import Qt."""
