#!/usr/bin/env python3
"""Check the values of a kube-prometheus-stack HelmChart with the real tools: the
Prometheus configuration its `additionalScrapeConfigs` become (`promtool check
config`) and its Alertmanager configuration (`amtool check-config`). A HelmChart of
another chart has nothing to check here.

Usage: chart-values.py FILE
Exit 0: checked (or nothing to check); 1: a tool rejected a configuration (its output
is printed); 2: a tool is missing.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import yaml


def run(tool, args):
    result = subprocess.run([tool, *args], capture_output=True, text=True)
    return result.returncode, (result.stdout + result.stderr).strip()


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 64
    with open(sys.argv[1], encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    checked = []
    failures = []
    for doc in docs:
        spec = doc.get("spec") or {}
        if doc.get("kind") != "HelmChart" or spec.get("chart") != "kube-prometheus-stack":
            continue
        for tool in ("promtool", "amtool"):
            if shutil.which(tool) is None:
                print(f"{tool} not found; run install.sh")
                return 2
        values = yaml.safe_load(spec.get("valuesContent") or "") or {}
        prometheus = ((values.get("prometheus") or {}).get("prometheusSpec") or {})
        alertmanager = (values.get("alertmanager") or {}).get("config")
        with tempfile.TemporaryDirectory() as tmp:
            prom_file = os.path.join(tmp, "prometheus.yml")
            with open(prom_file, "w", encoding="utf-8") as f:
                yaml.safe_dump(
                    {"scrape_configs": prometheus.get("additionalScrapeConfigs") or []}, f
                )
            code, out = run("promtool", ["check", "config", prom_file])
            if code != 0:
                failures.append(f"promtool check config (additionalScrapeConfigs):\n{out}")
            else:
                checked.append("scrape configs (promtool)")
            if alertmanager is not None:
                am_file = os.path.join(tmp, "alertmanager.yml")
                with open(am_file, "w", encoding="utf-8") as f:
                    yaml.safe_dump(alertmanager, f)
                code, out = run("amtool", ["check-config", am_file])
                if code != 0:
                    failures.append(f"amtool check-config (alertmanager.config):\n{out}")
                else:
                    checked.append("alertmanager config (amtool)")
    if failures:
        print("\n".join(failures))
        return 1
    if checked:
        print(", ".join(checked))
    return 0


if __name__ == "__main__":
    sys.exit(main())
