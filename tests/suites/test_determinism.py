"""A campaign on the simulated lab gives the same verdicts and measured values on every run."""


def test_two_runs_give_identical_measurements_and_verdicts(campaign):
    first = campaign(requirements=["PV-PU-RESPONSE"])
    second = campaign(requirements=["PV-PU-RESPONSE"])

    def checks(result):
        return [(c["name"], c["measured"], c["low"], c["high"], c["verdict"])
                for r in result.report["requirements"] for c in r["checks"]]

    assert checks(first), "the campaign recorded no checks"
    assert checks(first) == checks(second)
    assert first.verdicts() == second.verdicts()
