"""Personal data at scale: Chinese names, resident ID numbers with valid GB 11643 check characters, phones."""

from __future__ import annotations

import numpy as np

# the commonest surnames, roughly by frequency, so a few dominate as they do in a real roster
SURNAMES = np.array(list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"))
GIVEN = np.array(list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆帅旭宁婷雪琳"
                      "晨欣怡佳悦思雨子涵博文轩梓睿一诺嘉瑶晓阳海波志远建国丹晶倩"))
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.array(list("10X98765432"))


def names(rng: np.random.Generator, count: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.9
    surname = rng.choice(SURNAMES, size=count, p=weights / weights.sum())
    first = rng.choice(GIVEN, size=count)
    second = np.where(rng.random(count) < 0.75, rng.choice(GIVEN, size=count), "")
    return np.char.add(np.char.add(surname, first), second)


def id_numbers(rng: np.random.Generator, region_codes: np.ndarray, birth_years: tuple[int, int]) -> np.ndarray:
    """18-character numbers: 6-digit region, birth date, 3-digit sequence, GB 11643 check character."""
    count = len(region_codes)
    births = (np.datetime64(f"{birth_years[0]}-01-01")
              + rng.integers(0, 365 * (birth_years[1] - birth_years[0] + 1), size=count).astype("timedelta64[D]"))
    birth_text = np.char.replace(np.datetime_as_string(births, unit="D"), "-", "")
    sequence = np.char.zfill(rng.integers(0, 1000, size=count).astype(str), 3)
    body = np.char.add(np.char.add(region_codes.astype(str), birth_text), sequence)
    digits = np.frombuffer(body.astype("S17").tobytes(), dtype=np.uint8).reshape(count, 17).astype(np.int64) - ord("0")
    return np.char.add(body, _ID_CHECK[(digits @ _ID_WEIGHTS) % 11])


def phones(rng: np.random.Generator, count: int) -> np.ndarray:
    prefixes = np.array(["13", "15", "17", "18", "19"])
    return np.char.add(rng.choice(prefixes, size=count), np.char.zfill(rng.integers(0, 10**9, size=count).astype(str), 9))
