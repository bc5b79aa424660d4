#!/usr/bin/env python3
"""Writes tests/data/test-city.mmdb: a tiny GeoLite2-City-shaped database (the
MaxMind DB format, written by the `mmdb-writer` package from PyPI) with two
documentation ranges, for the tests of "near London, United Kingdom" on the
approval screen. BMAuth ships no GeoIP data; operators bring their own.

    python3 -m venv /tmp/mmdb && /tmp/mmdb/bin/pip install mmdb-writer==0.2.7
    /tmp/mmdb/bin/python tests/data/make-test-city-mmdb.py
"""
import pathlib

from mmdb_writer import MMDBWriter
from netaddr import IPSet

writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City",
                    languages=["en"], description="BMAuth test data")
writer.insert_network(IPSet(["198.51.100.0/24"]), {
    "city": {"geoname_id": 2643743, "names": {"en": "London"}},
    "country": {"geoname_id": 2635167, "iso_code": "GB", "names": {"en": "United Kingdom"}},
})
writer.insert_network(IPSet(["203.0.113.0/24"]), {
    "country": {"geoname_id": 2077456, "iso_code": "AU", "names": {"en": "Australia"}},
})
writer.to_db_file(str(pathlib.Path(__file__).with_name("test-city.mmdb")))
