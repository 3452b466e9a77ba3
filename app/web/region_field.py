"""The one 区县 → 乡镇（街道） region picker: the public 举报 form and the regulators' filters (/hazards,
/stats) use the same choices, the same checks and the same template macro (`_forms.region_picker`).

The picker is two plain selects (区县 grouped by city, 乡镇 grouped by county, both in code order) and a
name search box whose <datalist> offers "区县 / 乡镇" labels; static/site.js narrows the township list
to the chosen county and fills both selects from the search box. Without script the selects work alone
and the server resolves a typed name. `choices(session, user)` holds only regions in the viewer's scope
(their region subtree; every region for admin and the public form), so a township of another county or
outside the scope is refused beside the field, never an error page.

The filters also take `region` as a name or a code typed or linked (`/hazards?region=130302`): `resolve`
looks it up among the regions the viewer can see; none or several matches come back as a message.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.regions.models import Region

Errors = dict[str, str]
PICKER_LEVELS = ("county", "township")


@dataclass
class RegionChoices:
    """What the picker offers, all in code order."""

    counties: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)  # (city, [(code, name)])
    townships: list[tuple[str, str, list[tuple[str, str]]]] = field(
        default_factory=list
    )  # (county code, name, [(code, name)])
    parent: dict[str, str] = field(default_factory=dict)  # township code → county code
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # search label → (county, township)

    @property
    def county_codes(self) -> set[str]:
        return {code for _, rows in self.counties for code, _ in rows}

    def search_options(self) -> list[tuple[str, str, str]]:
        return [(label, c, t) for label, (c, t) in self.names.items()]

    def find(self, typed: str) -> tuple[str, str] | None:
        """A label from the list, or a bare county/township name when it is unique."""
        if typed in self.names:
            return self.names[typed]
        hits = [codes for label, codes in self.names.items() if label.rsplit(" / ", 1)[-1] == typed]
        return hits[0] if len(hits) == 1 else None


def _visible(user: Principal | None) -> str:
    """LIKE pattern of the paths of the regions the viewer can see (everything for the public form)."""
    return f"{user.region_path if user is not None else ''}%"


def choices(session: Session, user: Principal | None = None) -> RegionChoices:
    """The counties in the viewer's scope and their townships (a township user has no county to pick)."""
    rows = list(
        session.scalars(
            select(Region)
            .where(Region.level.in_(PICKER_LEVELS), Region.path.like(_visible(user)))
            .order_by(Region.code)
        )
    )
    counties = [r for r in rows if r.level == "county"]
    parents = {r.parent_code for r in counties if r.parent_code}
    city = {
        code: name
        for code, name in session.execute(select(Region.code, Region.name).where(Region.code.in_(parents)))
    }
    out = RegionChoices()
    by_city: dict[str, list[tuple[str, str]]] = {}
    county_name = {}
    for r in counties:
        by_city.setdefault(city.get(r.parent_code or "", ""), []).append((r.code, r.name))
        county_name[r.code] = r.name
        out.names[r.name if r.name not in out.names else f"{r.name}（{r.code}）"] = (r.code, "")
    out.counties = list(by_city.items())
    by_county: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        if r.level == "township" and r.parent_code in county_name:
            by_county.setdefault(r.parent_code, []).append((r.code, r.name))
            out.parent[r.code] = r.parent_code
            label = f"{county_name[r.parent_code]} / {r.name}"
            out.names[label if label not in out.names else f"{label}（{r.code}）"] = (r.parent_code, r.code)
    out.townships = [(c, county_name[c], rows) for c, rows in by_county.items()]
    return out


def resolve_pair(
    picked: RegionChoices, values: dict[str, Any], search: str = "region_search", required: bool = True
) -> tuple[str | None, Errors]:
    """The region code picked (the township if one was chosen, else the county), or field errors.

    `values` holds county, township and the search box (named `search`); the selects are filled in from
    a typed name so the form shows what was found."""
    county, township, typed = values.get("county"), values.get("township"), values.get(search)
    if not county and not township and typed:
        found = picked.find(typed)
        if found is None:
            return None, {search: f"没有找到名为“{typed}”的区县或乡镇（街道），请从列表中选择"}
        county, township = found
        values["county"], values["township"] = found
    if township:
        if township not in picked.parent:
            return None, {"township": "请从列表中选择乡镇（街道）"}
        if county and picked.parent[township] != county:
            return None, {"township": "所选乡镇（街道）不在所选区县内，请重新选择"}
        values["county"] = picked.parent[township]
        return township, {}
    if not county:
        return None, ({"county": "必填：请选择隐患所在的区县"} if required else {})
    if county not in picked.county_codes:
        return None, {"county": "请从列表中选择区县"}
    return county, {}


def resolve_filter(
    session: Session, user: Principal, picked: RegionChoices, values: dict[str, Any]
) -> tuple[str | None, Errors]:
    """A list filter's region: the selects when used, else `region` as a label, name or code."""
    if values.get("county") or values.get("township"):
        return resolve_pair(picked, values, "region", required=False)
    typed = values.get("region")
    found = picked.find(typed) if typed else None
    if found:
        values["county"], values["township"] = found
        return found[1] or found[0], {}
    code, message = resolve(session, user, typed)
    if code in picked.parent:
        values["county"], values["township"] = picked.parent[code], code
    elif code in picked.county_codes:
        values["county"] = code
    return code, ({"region": message} if message else {})


def resolve(session: Session, user: Principal, value: str | None) -> tuple[str | None, str | None]:
    """(region code, None), or (None, message) when the name or code matches no / several regions."""
    value = (value or "").strip()
    if not value:
        return None, None
    if value.isdigit():
        found = session.get(Region, value)
        if found is None or not found.path.startswith(user.region_path):
            return None, f"没有找到代码为“{value}”的行政区"
        return value, None
    matches = list(
        session.scalars(
            select(Region)
            .where(Region.name == value, Region.path.like(_visible(user)))
            .order_by(Region.code)
            .limit(20)
        )
    )
    if not matches:
        return None, f"没有找到名为“{value}”的行政区"
    if len(matches) == 1:
        return matches[0].code, None
    parents = {
        r.code: r.name
        for r in session.scalars(select(Region).where(Region.code.in_({r.parent_code for r in matches})))
    }
    listed = "、".join(f"{parents.get(r.parent_code or '', '')}{r.name}（{r.code}）" for r in matches)
    return None, f"有多个名为“{value}”的行政区：{listed}，请输入代码"
