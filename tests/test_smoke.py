from cooplink.node import RecordEvent as E
def test_hrea(widgets):
    [p] = widgets.record(E("produce", "10 piece", spec="widget"))
    r = p.resource_inventoried_as
    widgets.record(E("raise", "5 piece", resource=r), E("lower", "3 piece", resource=r), E("consume", "4 piece", resource=r))
    res = widgets.resource(r)
    assert res.onhand_quantity == res.accounting_quantity == 8
    assert widgets.verify().ok
