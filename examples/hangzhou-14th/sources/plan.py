"""Hangzhou's 14th Five-Year plan (2021-2025): its main indicators with the 2025 targets the city
published, typed into the plan workbook of `kpitrack plan template` (as a person would). Source of
every target: 杭州“十四五”规划和二〇三五年远景目标纲要 as reported at the 13th Municipal People's
Congress, 6th session (2021-02-03): "全市地区生产总值突破2.3万亿元，人均生产总值突破18万元；研究与试验
发展经费投入强度力争达到4%；数字经济核心产业主营业务收入突破2万亿元、增加值突破7000亿元；居民人均可支配
收入突破8.5万元，城乡居民收入倍差缩小到1.75以内，人均预期寿命达到83.88岁，常住人口城镇化率达到82%以上"
(杭州写字楼网 o571.com, 2021-02-04, https://www.o571.com/news/html/f2/47177.html, repeating 杭州日报).
Usage: python plan.py TEMPLATE.xlsx OUT.xlsx"""

from __future__ import annotations

import sys

from openpyxl import load_workbook

SOURCE = "杭州“十四五”规划纲要（2021-02-03市十三届人大六次会议）；o571.com 2021-02-04 转载杭州日报"
PLAN = {"规划名称": "杭州市国民经济和社会发展第十四个五年规划主要指标", "英文名称": "Hangzhou 14th Five-Year plan: main indicators",
        "标题用名称": "“十四五”规划主要指标", "规划期简称": "“十四五”", "基期年份": 2020, "起始年份": 2021, "终止年份": 2025,
        "新增单位": "倍、岁"}
ROWS = {
    "领域": [["economy", "经济发展", "Economy"], ["innovation", "创新驱动", "Innovation"], ["wellbeing", "民生福祉", "Wellbeing"],
           ["urban", "城市发展", "Urban development"]],
    "指标": [
        ["K01", "economy", "地区生产总值", "Gross domestic product", "全市地区生产总值突破2.3万亿元", "无", "市发改委；市统计局", ""],
        ["K02", "economy", "人均生产总值", "GDP per capita", "人均生产总值突破18万元", "无", "市发改委；市统计局", ""],
        ["K03", "innovation", "研究与试验发展经费投入强度", "R&D intensity", "研究与试验发展经费投入强度力争达到4%", "无", "市科技局", ""],
        ["K04", "innovation", "数字经济核心产业", "Digital-economy core industries",
         "数字经济核心产业主营业务收入突破2万亿元、增加值突破7000亿元", "无", "市经信局", ""],
        ["K05", "wellbeing", "居民人均可支配收入", "Per-capita disposable income", "居民人均可支配收入突破8.5万元", "无", "市人力社保局；市统计局", ""],
        ["K06", "wellbeing", "城乡居民收入倍差", "Urban-rural income ratio", "城乡居民收入倍差缩小到1.75以内", "无", "市农业农村局", ""],
        ["K07", "wellbeing", "人均预期寿命", "Life expectancy", "人均预期寿命达到83.88岁", "无", "市卫生健康委", ""],
        ["K08", "urban", "常住人口城镇化率", "Urbanisation of the resident population", "常住人口城镇化率达到82%以上", "无", "市发改委", ""],
    ],
    # measure, kpi, name_zh, name_en, unit, direction, value_type, growth_model, frequency, ytd, end_kind, end_year, end_value,
    # end_years, end_text_zh, approx, strict, base_value, base_text_zh
    "子指标": [
        ["K01.gdp", "K01", "地区生产总值", "GDP", "亿元", "higher", "level", "compound", "", "", "floor", 2025, 23000, "",
         "全市地区生产总值突破2.3万亿元", "", "", "", ""],
        ["K02.gdp_per_capita", "K02", "人均生产总值", "GDP per capita", "元", "higher", "level", "compound", "", "", "floor", 2025, 180000,
         "", "人均生产总值突破18万元", "", "", "", ""],
        ["K03.rd_share", "K03", "研究与试验发展经费支出占地区生产总值比重", "R&D expenditure as a share of GDP", "%", "higher", "level", "linear",
         "", "", "level", 2025, 4, "", "研究与试验发展经费投入强度力争达到4%", "", "", "", ""],
        ["K04.digital_revenue", "K04", "数字经济核心产业主营业务收入", "Digital-economy core industries: revenue", "亿元", "higher", "level",
         "compound", "", "", "floor", 2025, 20000, "", "数字经济核心产业主营业务收入突破2万亿元", "", "", "", ""],
        ["K04.digital_va", "K04", "数字经济核心产业增加值", "Digital-economy core industries: value added", "亿元", "higher", "level",
         "compound", "", "", "floor", 2025, 7000, "", "数字经济核心产业增加值突破7000亿元", "", "", "", ""],
        ["K05.income", "K05", "居民人均可支配收入", "Per-capita disposable income of residents", "元", "higher", "level", "compound", "", "",
         "floor", 2025, 85000, "", "居民人均可支配收入突破8.5万元", "", "", "", ""],
        ["K06.income_ratio", "K06", "城乡居民收入倍差", "Ratio of urban to rural per-capita income", "倍", "lower", "level", "linear", "", "",
         "level", 2025, 1.75, "", "城乡居民收入倍差缩小到1.75以内", "", "", "", ""],
        ["K07.life_expectancy", "K07", "人均预期寿命", "Life expectancy at birth", "岁", "higher", "level", "linear", "", "", "level", 2025,
         83.88, "", "人均预期寿命达到83.88岁", "", "", "", ""],
        ["K08.urbanisation", "K08", "常住人口城镇化率", "Urbanisation rate of the resident population", "%", "higher", "level", "linear",
         "", "", "floor", 2025, 82, "", "常住人口城镇化率达到82%以上", "", "", "", ""],
    ],
}


def fill(template: str, out: str) -> None:
    wb = load_workbook(template)
    for row in wb["规划"].iter_rows(min_row=2):
        if row[0].value in PLAN:
            row[1].value = PLAN[row[0].value]
    for sheet, rows in ROWS.items():
        for r in rows:
            wb[sheet].append(r)
    wb.save(out)


if __name__ == "__main__":
    fill(sys.argv[1], sys.argv[2])
