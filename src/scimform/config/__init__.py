"""The config language: YAML files in a directory, loaded with positions kept.

The only package that imports ruamel.yaml (and the fast PyYAML loader).
"""
