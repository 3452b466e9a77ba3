"""`shuangkong map …`: render a region's map to a file (optionally standalone / PNG) with its names side
file, recompute levels.

Mount: cli.add_typer(map_app, name="map")
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from playwright.sync_api import Page

map_app = typer.Typer(help="区域安全风险四色分布图", no_args_is_help=True)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Resolves once the browser has painted the frame after this one: the drawn map is on screen.
NEXT_PAINT = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


@map_app.command("render")
def render(
    region: Annotated[str, typer.Option("--region", help="行政区划代码")],
    output: Annotated[Path, typer.Option("-o", "--output", help="输出 .html 文件")],
    standalone: Annotated[
        bool,
        typer.Option(
            "--standalone",
            help="自包含文件（脚本和样式内嵌），可离线直接打开；企业名称另存于旁边的 <文件名>_names.js",
        ),
    ] = False,
    png: Annotated[Path | None, typer.Option("--png", help="同时用无头 Chromium 截图为 PNG")] = None,
    level: Annotated[str | None, typer.Option("--level", help="绘制哪一级区划，默认下一级")] = None,
) -> None:
    """把一个区域的四色图写成 HTML 文件。"""
    from app.auth.principal import SYSTEM
    from app.db import session_scope
    from app.errors import AppError
    from app.mapping import assets, service
    from app.mapping.builder import build_map, names_script, render_html
    from app.mapping.settings import configured_tiles

    # Files on disk have no server: enterprise names go into a side script next to the map (the page
    # reads it with <script src>, which works from file:// where fetch does not).
    names_file = output.with_name(f"{output.stem}_names.js")
    try:
        with session_scope() as session:
            data = service.region_map_data(session, SYSTEM, region, level)
            # No server to link to either; non-standalone output gets its assets copied beside it.
            asset_dir = output.with_name(f"{output.stem}_assets")
            base = assets.ASSET_PREFIX if standalone else asset_dir.name
            options = service.map_options(
                data, tiles=configured_tiles(), link_base=None, asset_base=base, names_file=names_file.name
            )
            m = build_map(data.shapes, data.points, data.layers, options)
            html = render_html(m, options, standalone=standalone)
            standalone_html = html if standalone else render_html(m, options, standalone=True)
    except AppError as exc:
        typer.echo(f"错误：{exc.detail}", err=True)
        raise typer.Exit(1) from exc
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    names = names_script(data.points)
    names_file.write_text(names, encoding="utf-8")
    if not standalone:
        assets.copy_assets(asset_dir)
    typer.echo(
        f"已写出 {output}（{len(data.shapes)} 个区划，{len(data.points)} 家企业"
        + (f"，{data.unlocated_total} 家无坐标未标注" if data.unlocated_total else "")
        + f"）；企业名称（供搜索）写在 {names_file.name}，须与地图放在同一文件夹"
    )
    if png is not None:
        snapshot(standalone_html, png, offline=options.tiles is None, side_files={names_file.name: names})
        typer.echo(f"已截图 {png}")


def snapshot(
    html: str,
    png: Path,
    *,
    offline: bool = True,
    size: tuple[int, int] = (1400, 1000),
    side_files: Mapping[str, str] | None = None,
) -> float:
    """Screenshot a standalone map with Debian's Chromium; returns seconds until the map was ready."""
    with open_map(html, offline=offline, size=size, side_files=side_files) as (page, elapsed):
        png.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(png))
    return elapsed


@contextmanager
def open_map(
    html: str,
    *,
    offline: bool = True,
    size: tuple[int, int] = (1400, 1000),
    side_files: Mapping[str, str] | None = None,
) -> Iterator[tuple["Page", float]]:
    """A standalone map open in Debian's Chromium: (page, seconds from navigation until every layer was
    drawn and a frame with it painted). side_files ({name: text}) are written next to it."""
    import tempfile
    import time

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "map.html"
        page_file.write_text(html, encoding="utf-8")
        for name, text in (side_files or {}).items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": size[0], "height": size[1]})
                if offline:
                    page.route("**/*", _file_only)
                started = time.perf_counter()
                page.goto(page_file.as_uri())
                page.wait_for_selector("body[data-sk-ready]", state="attached", timeout=60_000)
                page.evaluate(NEXT_PAINT)
                yield page, time.perf_counter() - started
            finally:
                browser.close()


def _file_only(route):  # type: ignore[no-untyped-def]
    """Let the page read itself from disk and nothing else: a map must render with no network."""
    if route.request.url.startswith("file:"):
        route.continue_()
    else:
        route.abort()


@map_app.command("recompute-levels")
def recompute_levels(
    region: Annotated[list[str] | None, typer.Option("--region", help="只重算这些区划（可多次给出）")] = None,
) -> None:
    """重新计算各区域的安全风险等级（只在等级或统计变化时写入新记录）。"""
    from sqlalchemy import select

    from app.db import session_scope
    from app.errors import NotFound
    from app.grading.regional import recompute_region_levels
    from app.regions.models import Region

    with session_scope() as session:
        unknown = sorted(
            set(region or ()) - set(session.scalars(select(Region.code).where(Region.code.in_(region or ()))))
        )
        if unknown:
            raise NotFound(
                f"行政区划 {'、'.join(unknown)} 不存在（先用 shuangkong regions import 导入）", field="region"
            )
        written = recompute_region_levels(session, region)
    typer.echo(f"区域等级已重新计算，{written} 个区域有变化")
