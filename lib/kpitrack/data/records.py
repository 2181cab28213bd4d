"""Where each kind of record besides the KPI figures is kept, for a document's up-to-date check:
the Tables 2, 3 and 5 ledgers (the bundled file and the manifest its ingests commit to), the context
figures, the peer data and the notices register. Only the data layer knows these names."""

from __future__ import annotations

from pathlib import Path

#: The kinds of record besides the KPI figures that a document may read.
RECORD_KINDS = ("special", "standards", "rectification", "context", "peers", "notices")


def challenges_file(year: int) -> Path:
    """Where the challenge targets declared for ``year`` are kept (the workspace's parameters)."""
    from ..core import paths

    return paths.params_dir() / f"challenges-{year}.yaml"


def notice_registers() -> list[tuple[str, Path]]:
    """Every dataset's notices register that exists: (dataset, file)."""
    from ..core import paths
    from ..core.settings import default_dataset

    out = []
    for reg in sorted((paths.data_dir() / "notices").glob("register*.csv")):
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


def record_files(kind: str, dataset_folder: Path, dataset: str) -> list[Path]:
    """The files that hold one kind of record of a dataset: what a document's fingerprint hashes, so
    that an ingest of that kind, and nothing else, makes the documents that read it stale."""
    from . import rectification, special, standards

    files = {"special": special.FILE, "standards": standards.FILE, "rectification": rectification.FILE}
    if kind in files:
        return [Path(dataset_folder) / files[kind], Path(dataset_folder) / "ledgers" / kind / "manifest.csv"]
    if kind == "figures":  # the KPI figures' manifest (the commit of every ingest), targets and metadata
        return [Path(dataset_folder) / f for f in ("vintages.csv", "targets.csv", "dataset.yaml")]
    if kind == "context":
        return [Path(dataset_folder) / "context.csv"]
    if kind == "peers":
        from .peers import LEDGER, folder as peers_folder

        base = peers_folder()
        return [base / f for f in ("peer_cities.csv", LEDGER, "groups.yaml", "indicators.yaml", "sources.yaml")] + [
            base / "ledgers" / "peers" / "manifest.csv"]
    if kind == "notices":
        from .notices import register_path

        return [register_path(dataset)]
    raise ValueError(f"unknown kind of record {kind!r}; known: {', '.join(RECORD_KINDS)}")
