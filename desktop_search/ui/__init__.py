"""The Qt window. Everything here runs on top of the Qt-free engine (desktop_search.core)."""
from desktop_search.ui import _qtfix

_qtfix.apply()
