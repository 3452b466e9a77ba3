"""Map settings (env prefix SHUANGKONG_, like app.config): background tiles and their keys.

SHUANGKONG_MAP_TILES = none (default: boundaries on a plain background, works with no network)
                     | tianditu (needs SHUANGKONG_TIANDITU_KEY; CGCS2000 ≈ WGS84)
                     | amap (高德, GCJ-02: everything drawn is shifted to GCJ-02)
                     | osm (OpenStreetMap, WGS84)
"""

from dataclasses import dataclass
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from app.errors import AppError

TileChoice = Literal["none", "tianditu", "amap", "osm"]
TILE_CHOICES: tuple[str, ...] = ("none", "tianditu", "amap", "osm")


class MapSettingsError(AppError):
    """The server's map configuration is unusable: the message says which variable to set."""

    status_code = 500


class MapSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHUANGKONG_", env_file=".env", extra="ignore")

    map_tiles: str = "none"
    tianditu_key: str | None = None


@dataclass(frozen=True)
class Tiles:
    """A background tile layer; gcj02 tells the builder to shift what it draws."""

    name: str
    url: str
    attribution: str
    subdomains: str = "abc"
    gcj02: bool = False
    overlay_url: str | None = None  # 天地图 draws place names on a second layer


def resolve_tiles(choice: str, tianditu_key: str | None = None) -> Tiles | None:
    """The tile layer for a setting, None for "none"; MapSettingsError with a clear message otherwise."""
    choice = (choice or "none").strip().lower()
    if choice == "none":
        return None
    if choice == "tianditu":
        key = (tianditu_key or "").strip()
        if not key:
            raise MapSettingsError(
                "底图设置为天地图（SHUANGKONG_MAP_TILES=tianditu），"
                "但未设置天地图密钥 SHUANGKONG_TIANDITU_KEY；"
                "请设置密钥，或改为 SHUANGKONG_MAP_TILES=none 使用无底图模式",
                field="SHUANGKONG_TIANDITU_KEY",
            )
        base = "https://t{s}.tianditu.gov.cn/DataServer?x={x}&y={y}&l={z}&tk=" + key
        return Tiles(
            "天地图",
            base + "&T=vec_w",
            "底图 © 天地图",
            subdomains="01234567",
            overlay_url=base + "&T=cva_w",
        )
    if choice == "amap":
        return Tiles(
            "高德地图",
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
            "底图 © 高德地图",
            subdomains="1234",
            gcj02=True,
        )
    if choice == "osm":
        return Tiles(
            "OpenStreetMap", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap 贡献者"
        )
    raise MapSettingsError(
        f"SHUANGKONG_MAP_TILES 的取值 {choice!r} 无效，可选：{'、'.join(TILE_CHOICES)}",
        field="SHUANGKONG_MAP_TILES",
    )


def configured_tiles() -> Tiles | None:
    settings = MapSettings()
    return resolve_tiles(settings.map_tiles, settings.tianditu_key)
