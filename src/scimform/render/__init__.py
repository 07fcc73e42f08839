"""Renderers: a Plan in, text out (terminal text, JSON, markdown for PR comments).

Renderers never decide about colour or terminals: the CLI does, and passes `color`.
"""
