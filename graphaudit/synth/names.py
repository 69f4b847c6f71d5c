"""Chinese names for synthetic people, villages and companies.

Surnames are drawn by the frequencies the package ships (``graphaudit/data/surnames/surnames.csv``),
restricted to characters GB2312 can encode so every file can also be written as GBK. Given names are one or
two characters from gender- and generation-typical lists.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from graphaudit.data import data_rows

__all__ = ["surname_table", "draw_surnames", "given_names", "village_names", "company_name_parts"]

MALE_OLD = list("建国军明华平志海文忠福贵生荣林兴发成德义保全山金宝有俊富旺春财来根喜亮胜利世恒永长新卫东强")
MALE_YOUNG = list("浩宇子轩博文涛鹏飞杰磊鑫晨阳昊然凯峰睿泽俊辰宁一航帅超斌伟龙豪康乐旭明健")
FEMALE_OLD = list("秀英兰桂芳梅珍凤莲玉花翠娥琴萍霞红云爱素巧彩月秋荣香慧淑")
FEMALE_YOUNG = list("欣怡婷雪娜静丽敏佳琪悦涵可雨萱诗梦晶瑶颖璐倩茜丹露妍思文")

_VILLAGE_SURNAME_SUFFIX = ("家庄", "家沟", "家塔", "家坪", "家山", "家湾", "家峁", "庄", "家岔", "家圪台")
_VILLAGE_PREFIX = list("前后东西南北上下大小石柳枣杨柏桃杏李红")
_VILLAGE_SUFFIX = ("沟", "坪", "峁", "塔", "湾", "庄", "山", "岔", "坡", "峪", "窑", "头")

TRADE_NAMES = (
    "宏达 鑫源 兴旺 晋隆 恒泰 永盛 华泰 金鼎 瑞丰 顺通 合众 利民 昌盛 广源 博远 德润 正阳 天顺 中盛 聚鑫 "
    "泰和 隆兴 宏图 众诚 鼎盛 祥瑞 金泉 安达 通达 诚信 黄河 吕梁 碛口 红枣 汇丰 福源 兴达 盛世 晋源 "
    "万通 宝丰 新星 长青 三晋 东方 丰泽 森茂 建兴 润泽 华鑫"
).split()
INDUSTRIES = (
    "建筑工程",
    "建筑安装工程",
    "路桥工程",
    "水利工程",
    "市政工程",
    "土石方工程",
    "劳务",
    "农业开发",
    "建材",
    "装饰工程",
    "电气安装",
    "园林绿化",
    "商贸",
)


@lru_cache(maxsize=2)
def surname_table() -> tuple[tuple[str, ...], np.ndarray]:
    """Surnames and their probabilities (GB2312-encodable single- and double-character surnames)."""
    names: list[str] = []
    weights: list[float] = []
    for r in data_rows("surnames", "surnames.csv"):
        s = r["surname"].strip()
        try:
            ok = all(len(c.encode("gb2312")) == 2 for c in s)
        except UnicodeEncodeError:
            ok = False
        if s and ok:
            names.append(s)
            weights.append(float(r["frequency"]))
    w = np.array(weights, dtype=float)
    return tuple(names), w / w.sum()


def draw_surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` surnames drawn by national frequency."""
    names, p = surname_table()
    return np.array(names, dtype=object)[rng.choice(len(names), size=n, p=p)]


def given_names(rng: np.random.Generator, female: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
    """Given names (1–2 characters) by gender and generation: older people from older-style lists."""
    n = len(female)
    young = birth_year >= 1980
    out = np.empty(n, dtype=object)
    for is_f in (False, True):
        for is_y in (False, True):
            m = (female == is_f) & (young == is_y)
            k = int(m.sum())
            if not k:
                continue
            chars = np.array(
                (FEMALE_YOUNG if is_y else FEMALE_OLD) if is_f else (MALE_YOUNG if is_y else MALE_OLD),
                dtype=object,
            )
            c1 = chars[rng.integers(0, len(chars), k)]
            c2 = chars[rng.integers(0, len(chars), k)]
            two = rng.random(k) < (0.8 if is_y else 0.6)
            out[m] = np.where(two & (c1 != c2), c1 + c2, c1)
    return out


def village_names(rng: np.random.Generator, clans: list[str], taken: set[str]) -> list[str]:
    """One village name per entry of ``clans`` (the village's leading surname), unique against ``taken``."""
    out = []
    for s in clans:
        for attempt in range(50):
            if attempt < 10 and rng.random() < 0.75:
                name = s + _VILLAGE_SURNAME_SUFFIX[int(rng.integers(len(_VILLAGE_SURNAME_SUFFIX)))] + "村"
            else:
                name = (
                    _VILLAGE_PREFIX[int(rng.integers(len(_VILLAGE_PREFIX)))]
                    + _VILLAGE_SUFFIX[int(rng.integers(len(_VILLAGE_SUFFIX)))]
                    + ("村" if attempt < 30 else f"{attempt}村")
                )
            if name not in taken:
                break
        taken.add(name)
        out.append(name)
    return out


def company_name_parts() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Trade names (字号) and industries (行业) that company names are made of."""
    return tuple(TRADE_NAMES), INDUSTRIES
