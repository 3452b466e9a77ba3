"""Local copies of every script and stylesheet a map needs, from installed packages (no CDN).

Served under ASSET_PREFIX by the mapping router, copied next to a map file by the CLI, or inlined into
one self-contained file (images in the CSS become data: URIs).
"""

import base64
import re
import shutil
from pathlib import Path

import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster

ASSET_PREFIX = "/maps/assets"

PACKAGES: dict[str, Path] = {
    "leaflet": Path(xstatic.pkg.leaflet.BASE_DIR),
    "markercluster": Path(xstatic.pkg.leaflet_markercluster.BASE_DIR),
    "shuangkong": Path(__file__).parent / "static",
}
MAP_JS = [("leaflet", "leaflet.js"), ("markercluster", "leaflet.markercluster.js"), ("shuangkong", "map.js")]
MAP_CSS = [("leaflet", "leaflet.css"), ("markercluster", "MarkerCluster.css"), ("shuangkong", "map.css")]
_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml"}
_CSS_URL = re.compile(r"url\((['\"]?)([^'\")]+)\1\)")


def media_type(path: Path) -> str:
    return _TYPES[path.suffix]


def asset_file(package: str, name: str) -> Path | None:
    """The file for /maps/assets/{package}/{name}, or None (unknown, outside the package, wrong type)."""
    root = PACKAGES.get(package)
    if root is None or Path(name).suffix not in _TYPES:
        return None
    path = (root / name).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        return None
    return path


def js_urls(base: str) -> list[tuple[str, str]]:
    return [(f"{pkg}_{name}", f"{base}/{pkg}/{name}") for pkg, name in MAP_JS]


def css_urls(base: str) -> list[tuple[str, str]]:
    return [(f"{pkg}_{name}", f"{base}/{pkg}/{name}") for pkg, name in MAP_CSS]


def _css_with_data_uris(path: Path) -> str:
    def embed(match: re.Match[str]) -> str:
        target = (path.parent / match.group(2)).resolve()
        if target.suffix not in _TYPES or not target.is_file():
            return match.group(0)
        data = base64.b64encode(target.read_bytes()).decode()
        return f'url("data:{_TYPES[target.suffix]};base64,{data}")'

    return _CSS_URL.sub(embed, path.read_text(encoding="utf-8"))


def inline_assets(html: str, base: str) -> str:
    """Replace the <script src> and <link href> tags pointing under `base` with the files' contents."""
    for pkg, name in MAP_JS:
        code = (PACKAGES[pkg] / name).read_text(encoding="utf-8").replace("</script", "<\\/script")
        html = html.replace(f'<script src="{base}/{pkg}/{name}"></script>', f"<script>{code}</script>")
    for pkg, name in MAP_CSS:
        css = _css_with_data_uris(PACKAGES[pkg] / name).replace("</style", "<\\/style")
        html = html.replace(f'<link rel="stylesheet" href="{base}/{pkg}/{name}"/>', f"<style>{css}</style>")
    return html


def copy_assets(target: Path) -> None:
    """Copy the map's assets (and the images their CSS refers to) into target/{package}/."""
    for pkg, name in MAP_JS + MAP_CSS:
        dest = target / pkg / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PACKAGES[pkg] / name, dest)
    images = PACKAGES["leaflet"] / "images"
    shutil.copytree(images, target / "leaflet" / "images", dirs_exist_ok=True)
