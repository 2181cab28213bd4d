"""``kpitrack store``: where the workspace's records are kept, and their CSV tree for audit."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.exceptions import ParameterError


def store(args: argparse.Namespace) -> int:
    from ..core import paths
    from ..data.records import export_records, migrate_records
    from ..data.store import load_tree, open_store, store_url

    root = paths.data_dir().resolve()
    if args.last < 1:
        raise ParameterError(f"--last: a number of writes, at least 1, got {args.last}")
    if args.action == "info":
        s = open_store(root, args.url or None)
        s.check_files = False  # what the store holds, even where the files changed since (the diagnosis exit 4 asks for)
        if not args.url:  # another store is looked at, never written to
            load_tree(s, root)
        print(f"store: {s!r}")
        for scope in s.scopes():
            print(f"  {scope}")
        trail = s.audit_trail()
        if trail:
            print(f"latest writes (who, when, what), the last {min(args.last, len(trail))} of {len(trail)}:")
            for r in trail[-args.last:]:
                print(f"  {r['at']}  {r.get('who', '')}  {r['action']}  {r['scope']} {r['kind']} "
                      f"{'' if r.get('vintage') is None else 'vintage ' + str(r['vintage'])}  {r.get('detail', '')}")
        s.check_files = True
        return 0
    if args.action == "load":
        from ..data.store import reload_tree
        from ..data.store.layout import scopes_in

        s = open_store(root)
        found = scopes_in(root)
        for scope in found:
            if args.replace:
                reload_tree(root / scope)
            else:
                s.ready(scope)
        print(f"{len(found)} folder(s) of records of {root} are in the store {s!r}"
              + (" (records that came from the files replaced by the files' versions)" if args.replace else ""))
        return 0
    if args.action == "migrate":
        current = store_url(root)
        if not args.url or args.url == current:
            s = open_store(root)
            found = load_tree(s, root)
            print(f"{len(found)} folder(s) of records of {root} are in the store {s!r}: {', '.join(found) or 'none'}")
            return 0
        if args.url == "files":
            raise ParameterError("store migrate --url files: the CSV tree is written with `kpitrack store export DIR`")
        found = migrate_records(args.url)
        from ..data.store.sql import _shown

        print(f"copied every record of the store {open_store(root)!r} ({', '.join(found) or 'none'}) into {_shown(args.url)}; "
              f"to use it, set KPITRACK_STORE to that URL, or `store:` in {root / 'workspace.yaml'}")
        return 0
    if args.action == "export":
        if args.into_workspace:
            if args.dir:
                raise ParameterError(f"store export: give a folder ({args.dir}) or --into-workspace, not both")
            if (args.url or store_url(root)) == "files":
                print(f"the store is the workspace's CSV files ({root}): they are already what it holds")
                return 0
            out = root
        elif not args.dir:
            raise ParameterError("store export: give the folder to write into (kpitrack store export DIR), or --into-workspace")
        else:
            out = Path(args.dir).expanduser().resolve()
            if out.exists() and not out.is_dir():
                raise ParameterError(f"store export: {out} is not a folder")
            if out == root or root in out.parents or out in root.parents:
                raise ParameterError(f"store export {args.dir}: that folder holds the workspace {root} or lies in it; writing there "
                                     "would overwrite its files. Export into a folder outside it, or write the files of the "
                                     "workspace from the store on purpose with --into-workspace")
            if out.exists() and any(out.iterdir()):
                raise ParameterError(f"store export: {out} is not empty; export into a new or empty folder, so that what is there "
                                     "is exactly the store")
        s = open_store(root, args.url or None)
        s.check_files = False  # what the store holds, even where the files changed since they were loaded
        load_tree(s, root)
        keys = {scope: s.keys(scope) for scope in s.scopes()} if hasattr(s, "keys") else {}
        written = export_records(out, s)
        if args.into_workspace:
            for scope, exported in keys.items():
                s.mark_exported(scope, exported)
        s.check_files = True
        print(f"wrote {len(written)} file(s) of the store {s!r} under {out}")
        return 0
    raise ParameterError(f"unknown store action {args.action!r}")
