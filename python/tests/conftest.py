import sys
from pathlib import Path

# the package under test, from this checkout (no install needed)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
