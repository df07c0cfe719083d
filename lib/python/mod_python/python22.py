"""Compatibility shim kept so that ``from mod_python import python22`` still
works for code written against old mod_python releases.

It provided helpers for Python 2.2 in the past; Python 3 needs none of them,
so this module has no public API.
"""
