"""`shuangkong regions …`: import boundaries, look a point up."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from app.auth.principal import SYSTEM
from app.db import session_scope
from app.errors import AppError
from app.regions.geo_import import ImportReport, import_geojson, read_shapefile

regions_app = typer.Typer(
    help="行政区划：导入边界（GeoJSON / Shapefile）、按坐标查询所属区划", no_args_is_help=True
)


class Crs(StrEnum):
    gcj02 = "gcj02"
    wgs84 = "wgs84"


@regions_app.command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="GeoJSON FeatureCollection（.geojson/.json）或 Shapefile（.shp）",
            exists=True,
            dir_okay=False,
        ),
    ],
    crs: Annotated[
        Crs, typer.Option(help="文件坐标系：高德/腾讯等国内地图为 gcj02，GPS 与标准 GeoJSON 为 wgs84")
    ] = Crs.wgs84,
    code_property: Annotated[str, typer.Option(help="区划代码属性名")] = "adcode",
    name_property: Annotated[str, typer.Option(help="名称属性名")] = "name",
    level_property: Annotated[str, typer.Option(help="级别属性名（省/市/区县/乡镇/村 或英文）")] = "level",
    parent_property: Annotated[str, typer.Option(help="上级区划代码属性名")] = "parent_adcode",
    encoding: Annotated[
        str | None, typer.Option(help="Shapefile 属性编码（默认读 .cpg，否则 UTF-8）")
    ] = None,
    show_warnings: Annotated[int, typer.Option("--warnings", help="最多显示多少条警告")] = 20,
) -> None:
    """导入行政区划边界：全部校验通过才写入，任何错误都不会写入数据。"""
    bar: tqdm | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc="校验", unit="个", disable=total < 50, leave=False)
        bar.update(done - bar.n)

    try:
        with session_scope() as session:
            data = read_shapefile(file, encoding) if file.suffix.lower() == ".shp" else file.read_bytes()
            report = import_geojson(
                session,
                data,
                SYSTEM,
                crs=crs.value,
                code_property=code_property,
                name_property=name_property,
                level_property=level_property,
                parent_property=parent_property,
                source=f"命令行导入 {file.name}（{crs.value}）",
                progress=progress,
            )
    except AppError as exc:
        if bar is not None:
            bar.close()
        _print_failure(exc)
        raise typer.Exit(1) from exc
    if bar is not None:
        bar.close()
    _print_report(report, show_warnings)


def _print_failure(exc: AppError) -> None:
    errors = exc.extra.get("errors") or []
    if not errors:
        typer.echo(f"导入失败：{exc.detail}", err=True)
        return
    typer.echo(f"导入失败：发现 {len(errors)} 个错误，未写入任何数据。", err=True)
    for err in errors:
        typer.echo(f"  ✗ {err['text']}", err=True)


def _print_report(report: ImportReport, show_warnings: int) -> None:
    typer.echo(report.summary())
    for warning in report.warnings[:show_warnings]:
        typer.echo(f"  ! {warning.text}")
    if len(report.warnings) > show_warnings:
        typer.echo(f"  … 另有 {len(report.warnings) - show_warnings} 条警告")


@regions_app.command("locate")
def locate_command(
    lon: Annotated[float, typer.Argument(help="经度")],
    lat: Annotated[float, typer.Argument(help="纬度")],
    crs: Annotated[Crs, typer.Option(help="坐标系")] = Crs.wgs84,
) -> None:
    """按坐标查询所属的最细一级行政区划。"""
    from app.regions import service

    try:
        lon, lat = service.checked_wgs84(lon, lat, crs.value)
    except AppError as exc:
        typer.echo(exc.detail, err=True)
        raise typer.Exit(1) from exc
    with session_scope() as session:
        region = service.locate_point(session, lon, lat)
        if region is None:
            typer.echo("该坐标不在任何已导入的行政区划内", err=True)
            raise typer.Exit(1)
        chain = " › ".join(r.name for r in service.region_path(session, region.code))
        mark = "（示意边界）" if region.is_synthetic else ""
        typer.echo(f"{region.code} {chain}{mark}")
