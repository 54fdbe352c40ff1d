#!/usr/bin/env python3
"""The takeover test project's manage.py: a real Django 5.2 + DRF + simplejwt deployment whose
settings come from environment variables (djangosite/settings.py lists them)."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djangosite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
