#!/usr/bin/env python3
"""Validate custom resources against the CRDs vendored in crds/ (each file names its
source and version in its header comment).

kubernetes-validate bundles only the built-in kinds' schemas, so a custom resource
(HelmChart, cert-manager Certificate, ...) is checked here against its CRD's
openAPIV3Schema with jsonschema, strictly: a field the schema does not declare is an
error (as `kubectl apply --validate=strict` would report), except under
`x-kubernetes-preserve-unknown-fields`.

Usage: crd-check.py FILE
Exit 0: every document is a known custom resource and valid.
Exit 1: a known custom resource is invalid (the errors are printed).
Exit 2: some document is not a custom resource of a vendored CRD (kubernetes-validate's job).
"""
import copy
import glob
import os
import re
import sys

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def strict(schema):
    """The schema with unknown fields forbidden wherever it lists the known ones."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if (
                "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def load_crds():
    schemas = {}
    for path in sorted(glob.glob(os.path.join(HERE, "crds", "*.yaml"))):
        with open(path, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if not doc or doc.get("kind") != "CustomResourceDefinition":
                    continue
                spec = doc["spec"]
                for version in spec["versions"]:
                    key = (f'{spec["group"]}/{version["name"]}', spec["names"]["kind"])
                    schemas[key] = strict(version["schema"]["openAPIV3Schema"])
    return schemas


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 64
    schemas = load_crds()
    with open(sys.argv[1], encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    if not docs:
        return 2
    errors = []
    for i, doc in enumerate(docs):
        key = (doc.get("apiVersion"), doc.get("kind"))
        schema = schemas.get(key)
        if schema is None:
            return 2
        meta = doc.get("metadata") or {}
        name = meta.get("name", "")
        if not isinstance(name, str) or len(name) > 253 or not DNS_SUBDOMAIN.match(name):
            errors.append(f"document {i}: metadata.name {name!r} is not a DNS subdomain")
        namespace = meta.get("namespace")
        if namespace is not None and not DNS_LABEL.match(str(namespace)):
            errors.append(f"document {i}: metadata.namespace {namespace!r} is not a DNS label")
        validator = jsonschema.Draft7Validator(schema)
        for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
            where = ".".join(str(p) for p in error.path) or "(root)"
            errors.append(f"document {i} ({key[1]}): {where}: {error.message}")
    if errors:
        print("\n".join(errors))
        return 1
    print(", ".join(sorted({f"{k} {v}" for (v, k) in ((d["apiVersion"], d["kind"]) for d in docs)})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
