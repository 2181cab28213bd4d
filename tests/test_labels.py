

def test_a_figure_and_its_target_print_apart_when_they_differ():
    from kpitrack.core.labels import fmt_pair

    assert fmt_pair(3.29, 3.3, "%") == ("3.29%", "3.30%")
    assert fmt_pair(54033, 54012, "元") == ("54,033元", "54,012元")
    assert fmt_pair(3.3, 3.3, "%") == ("3.3%", "3.3%")
    assert fmt_pair(None, 3.3, "%") == ("—", "3.3%")
