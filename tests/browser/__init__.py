"""Chromium against a real ``pledge serve``: what a visitor sees, sends and keeps."""
