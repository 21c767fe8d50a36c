"""``flask prices minimum``: JSON of the calculation; Japanese errors with a non-zero exit status."""

import json

import pytest

WORKS = ["prices", "minimum", "--on", "2026-05-01", "--category", "works", "--planned", "10000000", "--direct",
         "6500000", "--common-temp", "600000", "--site", "1700000", "--overhead", "1200000"]


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def test_works_minimum_as_json(run):
    # R4 model: 6,305,000 + 540,000 + 1,530,000 + 816,000 = 9,191,000 within 7,500,000〜9,200,000.
    result = run(*WORKS)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"model", "raw", "lower", "upper", "result", "steps"}
    assert (data["raw"], data["lower"], data["upper"], data["result"]) == (9_191_000, 7_500_000, 9_200_000, 9_191_000)
    assert data["model"] == "最低制限価格（建設工事）（令和4年4月1日から適用）"
    assert data["steps"][3] == {"label": "一般管理費等の算入額", "formula": "1,200,000 円 × 68% = 816,000 円",
                                "amount": 816_000}


def test_survey_kind_and_wareki_date_and_commas(run):
    args = [a if a != "2026-05-01" else "R4.3.31" for a in WORKS]
    args[args.index("10000000")] = "10,000,000"
    # 2020 model on 2022-03-31: 一般管理費等 55 %: 6,305,000 + 540,000 + 1,530,000 + 660,000 = 9,035,000.
    data = json.loads(run(*args, "--kind", "survey").stdout)
    assert data["model"].startswith("低入札価格調査基準価格（建設工事）") and data["result"] == 9_035_000


def test_consultancy_options(run):
    # 測量: 10,000,000 + 4,000,000 + 6,000,000×48% = 16,880,000 > 20,000,000×8.2/10 → 16,400,000.
    result = run("prices", "minimum", "--on", "2026-05-01", "--category", "surveying", "--planned", "20000000",
                 "--direct-survey", "10000000", "--survey-investigation", "4000000", "--expenses", "6000000")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["raw"], data["result"]) == (16_880_000, 16_400_000)


def test_component_given_by_key(run):
    result = run("prices", "minimum", "--on", "2026-05-01", "--category", "surveying", "--planned", "20000000",
                 "--component", "direct_survey=10000000", "--component", "survey_investigation=4000000",
                 "--expenses", "6000000")
    assert json.loads(result.stdout)["result"] == 16_400_000


@pytest.mark.parametrize(("args", "status", "message"), [
    (["prices", "minimum", "--category", "works"], 2, "--on を指定してください（基準日）"),
    ([*WORKS[:3], "2026-13-01", *WORKS[4:]], 2, "--on:"),
    ([*WORKS, "--kind", "average"], 1, "--kind: 算定の種類「average」はありません"),
    ([a if a != "works" else "goods" for a in WORKS], 1, "--category: 区分「goods」はありません"),
    ([a if a != "10000000" else "0" for a in WORKS], 1, "--planned: 予定価格は 1 円以上にしてください"),
    ([a if a != "10000000" else "1千万" for a in WORKS], 2, "--planned: 金額「1千万」"),
    (WORKS[:-2], 1, "--overhead: 一般管理費等を入力してください"),
    ([*WORKS, "--expenses", "1"], 1, "--expenses: 「expenses」は区分「建設工事」の費目ではありません"),
    ([*WORKS, "--component", "nothing"], 2, "--component は 識別名=額 の形"),
    ([*WORKS, "--coefficient", "1.001"], 1, "--coefficient: 最低制限価格には、この日の設定では入札時ランダム係数を使いません"),
    ([*WORKS[:3], "2016-03-31", *WORKS[4:]], 1, "--on: 「最低制限価格（建設工事）」は 平成28年3月31日時点で"),
])
def test_errors_in_japanese_with_non_zero_exit(run, args, status, message):
    result = run(*args)
    assert result.exit_code == status, result.output
    assert message in result.stderr and result.stdout == ""


def test_help_documents_the_component_options(run):
    text = run("prices", "minimum", "--help").output
    for fragment in ("--common-temp", "--direct-survey", "geology（地質調査業務）", "--analysis", "--kind"):
        assert fragment in text
