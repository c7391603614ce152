"""The rule set as package data (`westaudit.rules`): this folder holds YAML, parameters and articles only.

Rule authors edit the files here; the package exists so that an installed wheel carries them and
`importlib.resources.files("westaudit.rules")` finds them (engine/spec/ruleset.py). No code belongs here.
"""
