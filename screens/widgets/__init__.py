"""Reusable widgets of the desk's screens (the base screen is ``screens.base``)."""
