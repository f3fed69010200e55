"""Build the shipped indicator table ``wdi_derived_1990_2020.csv`` and ``capitals.csv`` from the
global raw data (``../shared/data/raw/global`` or ``$CGE_RAW_DIR/global``; sources in its
``SOURCES.md``), so that ``cge rights``, its tests and notebook 04 run in a clone without it.

Output ``wdi_derived_1990_2020.csv``: one row per country (ISO3) and year 1990-2020, one column
per raw file, named by the file's path under ``global/`` (the key the indicator spec
``indicators.csv`` uses); blank = no value in the source; transcribed Gapminder codes mapped to ISO3, WDI aggregates
dropped (only economies with a capital kept), values copied unchanged.
``capitals.csv``: iso3, country, lat, lon (decimal degrees) of ``capitals/capitals_latlon.csv``.

Run: ``python -m cge.allocation.global_rights.data.build_wdi_derived`` (idempotent; the test
suite checks the shipped files against the raw data when the raw data are present).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cge.allocation.global_rights import core

HERE = Path(__file__).resolve().parent


def derived_tables(raw: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(long indicator table, capitals) built from the raw folder ``raw``."""
    spec = pd.read_csv(HERE / "indicators.csv")
    files = sorted({f for f in spec.source_file if f != "derived"} | {core.CO2_FILE})
    caps = core.read_capitals(raw)
    known = set(caps.index) | set(core._gapminder().values())
    rows = []
    for rel in files:
        wide = core._source(rel, raw, known, {})
        wide = wide.loc[wide.index.isin(caps.index), [y for y in wide.columns if core.CUM_START <= y <= core.LAST_YEAR]]
        long = wide.stack().rename("value").reset_index()
        long.columns = ["iso3", "year", "value"]
        long.insert(0, "source_file", rel)
        rows.append(long)
    table = (pd.concat(rows, ignore_index=True).pivot_table(index=["iso3", "year"], columns="source_file",
                                                            values="value", aggfunc="first")
             .reset_index().rename_axis(columns=None))
    names = pd.read_csv(raw / spec.loc[spec.code == "POP", "source_file"].iloc[0],
                        usecols=["Country Name", "Country Code"]).drop_duplicates("Country Code")
    capitals = caps.reset_index()[["iso3", "country", "lat", "lon"]]
    wdi_name = names.set_index("Country Code")["Country Name"]
    capitals["country"] = capitals.iso3.map(wdi_name).fillna(capitals.country)
    return table, capitals


def main() -> None:
    """Write both files next to this script."""
    table, capitals = derived_tables(core.default_raw_dir())
    table.to_csv(HERE / core.DERIVED_FILE, index=False)
    capitals.to_csv(HERE / core.CAPITALS_FILE, index=False)
    print(f"wrote {len(table)} rows to {core.DERIVED_FILE}, {len(capitals)} capitals to {core.CAPITALS_FILE}")


if __name__ == "__main__":
    main()
