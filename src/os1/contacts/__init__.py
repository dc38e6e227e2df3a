"""Contacts: vCard import and export, correspondents learned from mail, linked to the people memory knows."""
