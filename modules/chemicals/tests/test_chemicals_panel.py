"""The dashboard panel, rendered directly: hazardous stock, and licences expiring within 30 days."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest

from cooplink.modules import Panel, VFError
from cooplink.node import RecordEvent
from cooplink_chemicals import licences
from cooplink_chemicals.panel import render

TODAY = licences.today()


class Tables(HTMLParser):
    """The text of every table row, by the heading (h3) above its table."""

    def __init__(self, html: str):
        super().__init__()
        self.sections: dict[str, list[list[str]]] = {}
        self._heading = self._row = self._cell = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "h3":
            self._heading = ""
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        elif self._heading is not None:
            self._heading += data

    def handle_endtag(self, tag):
        if tag == "h3":
            self.sections[self._heading], self._current, self._heading = [], self._heading, None
        elif tag in ("td", "th"):
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr":
            self.sections[self._current].append(self._row)


STOCK = "Hazardous stock"
EXPIRING = "Licences expiring within 30 days"


def test_the_hook_offers_one_panel_whose_render_is_this_function(chem):
    [panels] = chem.modules.hook.cooplink_dashboard_panels(node=chem)
    assert [type(p) for p in panels] == [Panel] and panels[0].render is render and panels[0].title


def test_it_lists_hazardous_stock_with_its_hazards_and_the_licences_it_needs(chem):
    chem.add_spec("acid", "Sulphuric acid <98%>", unit="kilogram", attributes={"chemicals.hazards": ["H314"]})
    chem.record(RecordEvent("raise", "20 kg", spec="acid", tracking_identifier="ACID-1"),
                RecordEvent("raise", "3 kg", spec="acid", tracking_identifier="ACID-2"))
    chem.record(RecordEvent("lower", "3 kg", resource="ACID-2"))  # none left: not stock
    rows = Tables(render(chem)).sections[STOCK]
    assert rows == [["Resource", "Specification", "On hand", "Hazards", "Licence needed"],
                    ["ACID-1", "Sulphuric acid <98%>", "20 kilogram", "H314", "corrosive"],
                    ["ETH-1", "Ethanol", "100 kilogram", "H225 H319", "flammable"]]
    assert "&lt;98%&gt;" in render(chem)  # names are escaped, never markup
    assert 'title="Highly flammable liquid and vapour"' in render(chem)


def test_it_lists_only_valid_licences_ending_within_30_days_soonest_first(chem):
    chem.add_agent("coop-c", "Coop C & Sons")
    licences.add(chem, "coop-b", ["flammable", "corrosive"], "FC-1", TODAY + timedelta(days=10))
    licences.add(chem, "coop-c", ["toxic"], "T-1", TODAY + timedelta(days=3))
    licences.add(chem, "coop-c", ["flammable"], "F-LATER", TODAY + timedelta(days=31))
    licences.add(chem, "coop-c", ["gas"], "G-OLD", TODAY - timedelta(days=1), valid_from=TODAY - timedelta(days=9))
    licences.add(chem, "coop-b", ["oxidizing"], "OX-REVOKED", TODAY + timedelta(days=5))
    licences.revoke(chem, "coop-b", "OX-REVOKED")
    rows = Tables(render(chem)).sections[EXPIRING]
    assert rows[1:] == [["Coop C & Sons", "toxic", "T-1", str(TODAY + timedelta(days=3)), "3"],
                        ["Coop B", "corrosive", "FC-1", str(TODAY + timedelta(days=10)), "10"],
                        ["Coop B", "flammable", "FC-1", str(TODAY + timedelta(days=10)), "10"]]


def test_it_says_so_when_there_is_nothing_to_show(chem):
    chem.record(RecordEvent("lower", "100 kg", resource="ETH-1"))
    html = render(chem)
    assert "No hazardous goods in stock." in html and Tables(html).sections == {STOCK: [], EXPIRING: []}


def test_it_refuses_to_render_where_the_module_is_not_enabled(node):
    with pytest.raises(VFError, match="not enabled"):
        render(node)
