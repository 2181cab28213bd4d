"""``kpitrack store``: where the workspace's records are kept, and their CSV tree for audit."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.exceptions import ParameterError


def store(args: argparse.Namespace) -> int:
    from ..core import paths
    from ..data.records import export_records
    from ..data.store import load_tree, open_store, store_url

    root = paths.data_dir()
    url = args.url or store_url(root)
    if args.action == "info":
        s = open_store(root, url)
        load_tree(s, root)
        print(f"store: {s!r}")
        for scope in s.scopes():
            print(f"  {scope}")
        trail = s.audit_trail()
        if trail:
            print("latest writes (who, when, what):")
            for r in trail[-args.last:]:
                print(f"  {r['at']}  {r.get('who', '')}  {r['action']}  {r['scope']} {r['kind']} "
                      f"{'' if r.get('vintage') is None else 'vintage ' + str(r['vintage'])}  {r.get('detail', '')}")
        return 0
    if args.action == "migrate":
        s = open_store(root, url)
        found = load_tree(s, root)
        print(f"{len(found)} folder(s) of records of {root} are in the store {s!r}: {', '.join(found) or 'none'}")
        if args.url:
            print(f"to use it, set KPITRACK_STORE={args.url} or add `store: {args.url}` to {root / 'workspace.yaml'}")
        return 0
    if args.action == "export":
        if args.into_workspace:
            out = root
        elif not args.dir:
            raise ParameterError("store export: give the folder to write into (kpitrack store export DIR), or --into-workspace")
        else:
            out = Path(args.dir)
            if out.exists() and not out.is_dir():
                raise ParameterError(f"store export: {out} is not a folder")
        s = open_store(root, url)
        s.check_files = False  # what the store holds, even where the files changed since they were loaded
        load_tree(s, root)
        written = export_records(out, s)
        if args.into_workspace:
            for scope in s.scopes():
                s.mark_exported(scope)
        s.check_files = True
        print(f"wrote {len(written)} file(s) of the store {s!r} under {out}")
        return 0
    raise ParameterError(f"unknown store action {args.action!r}")
