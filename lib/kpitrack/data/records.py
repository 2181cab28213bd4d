"""What each kind of record a document reads is made of, for its up-to-date check: the KPI figures'
and the Tables 2, 3 and 5 ledgers' vintages in the store with their bundled files, the context
figures, the peer data and the notices register. Only the data layer knows these names."""

from __future__ import annotations

from pathlib import Path

#: The kinds of record besides the KPI figures that a document may read.
RECORD_KINDS = ("special", "standards", "rectification", "context", "peers", "notices", "challenges")


def challenges_file(year: int) -> Path:
    """Where the challenge targets declared for ``year`` are kept (the workspace's parameters)."""
    from ..core import paths

    return paths.params_dir() / f"challenges-{year}.yaml"


def notice_registers() -> list[tuple[str, Path]]:
    """Every dataset's notices register that holds events: (dataset, its name for :func:`read_register`)."""
    from ..core import paths
    from ..core.settings import default_dataset
    from .notices import read_register
    from .store import open_store

    root = paths.data_dir()
    names = {p.name for p in (root / "notices").glob("register*.csv")}
    names |= {s.removeprefix("notices/") for s in open_store().scopes() if s.startswith("notices/")}
    out = []
    for name in sorted(names):
        reg = root / "notices" / name
        if read_register(reg):
            out.append((default_dataset() if reg.stem == "register" else reg.stem.removeprefix("register-"), reg))
    return out


def dataset_records(dataset: str, kinds) -> tuple[list, dict[str, list[Path]]]:
    """A dataset's figure vintages (``data.store`` manifest entries) and, for ``"figures"``, the plan's
    files and each of ``kinds``, the files that hold them: what a document's fingerprint hashes,
    without anything above the data layer knowing the dataset's folder."""
    from ..core import paths
    from .actuals import dataset_folder
    from .store import read_manifest

    folder = dataset_folder(dataset)
    plan = [*paths.plan_dir().glob("*.yaml"), *paths.plan_dir().glob("*.csv"), paths.data_dir() / "regions.csv"]
    files = {"figures": record_files("figures", folder, dataset), "plan": plan}
    files |= {kind: record_files(kind, folder, dataset) for kind in sorted(set(kinds))}
    return read_manifest(folder), files


def record_files(kind: str, dataset_folder: Path, dataset: str) -> list[Path | str]:
    """What holds one kind of record of a dataset, for a document's fingerprint: files (hashed by their
    bytes) and the store's vintages of that kind (a text), so that an ingest of that kind, and nothing
    else, makes the documents that read it stale."""
    from . import rectification, special, standards
    from .store import records_state

    folder = Path(dataset_folder)
    files = {"special": special.FILE, "standards": standards.FILE, "rectification": rectification.FILE}
    if kind in files:
        return [folder / files[kind], f"store:{kind}:{records_state(folder, kind)}"]
    if kind == "figures":  # every ingest's vintage, the assigned targets and the dataset's metadata
        from .retired import path_of

        return [folder / "targets.csv", folder / "dataset.yaml", path_of(folder), f"store:figures:{records_state(folder, 'figures')}"]
    if kind == "context":
        return [folder / "context.csv"]
    if kind == "peers":
        from .peers import LEDGER, folder as peers_folder

        base = peers_folder()
        return [base / f for f in ("peer_cities.csv", LEDGER, "groups.yaml", "indicators.yaml", "sources.yaml")] + [
            f"store:peers:{records_state(base, 'peers')}"]
    if kind == "challenges":  # every year's declared challenge targets (a document may look back at earlier years)
        from ..core import paths

        return sorted(paths.params_dir().glob("challenges-*.yaml"))
    if kind == "notices":
        from .notices import register_path

        return [f"store:notices:{records_state(register_path(dataset), 'notices')}"]
    raise ValueError(f"unknown kind of record {kind!r}; known: {', '.join(RECORD_KINDS)}")


def ledger_shapes() -> dict:
    """Each plan ledger's key and columns, for the store's export and copies."""
    from .plan_ledgers import KINDS

    return {k.name: (k.key, k.keys) for k in KINDS.values()}


def migrate_records(target_url: str) -> list[str]:
    """Copy the active workspace's store into the empty store at ``target_url``."""
    from ..core import paths
    from .store import copy_store, open_store

    return copy_store(open_store(), target_url, paths.data_dir())


def export_records(out: Path, store=None) -> list[Path]:
    """Write the workspace's store (default: the active one's) out as its CSV tree under ``out``,
    every plan ledger folded by its own key and columns."""
    from .store import export_tree, open_store

    return export_tree(store or open_store(), Path(out), ledger_shapes())
