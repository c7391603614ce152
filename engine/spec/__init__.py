"""Declarative inputs read and validated: YAML sources, rule set, parameters, data contract, manifests. No pandas."""
