"""Regenerates vn-holidays-2021-2030.json from the PyPI `holidays` package (an independent
implementation of Vietnam's official days off, with each year's published day swaps).
Run: pip install holidays && python3 generate_vn_holidays.py > vn-holidays-2021-2030.json"""
import json
import holidays

print(json.dumps({str(y): sorted(d.isoformat() for d in holidays.VN(years=y)) for y in range(2021, 2031)}, indent=1))
