"""Parsing of Chinese and English labels into the library's enums.

Source articles and user files name the same thing many ways: ``三级甲等``, ``三甲``,
``三級甲等`` (traditional), ``tertiary A``; ``社区卫生服务中心``, ``社區衛生服務中心``,
``community health service center``. :func:`normalize_label` folds those spellings
(Unicode NFKC, traditional → simplified for the characters of this domain, inline pinyin
glosses such as ``醫(yī)`` removed, spaces/hyphens/underscores and case ignored), and a
:class:`LabelTable` maps the folded form to one enum member. An unknown label raises
:class:`~medalliance.errors.LabelError` listing every accepted label.

Examples
--------
>>> normalize_label("社區(qū)衛(wèi)生服務中心")
'社区卫生服务中心'
>>> normalize_label("  Community Health-Service Center ")
'communityhealthservicecenter'
"""

from __future__ import annotations

import difflib
import heapq
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from enum import Enum
from typing import Generic, TypeVar

from medalliance.errors import LabelError, Problem, quote

__all__ = ["LabelTable", "closest", "did_you_mean", "normalize_label", "to_simplified"]

# Traditional → simplified for the characters that occur in institution, tier, role, service
# and specialty vocabulary (and in the bundled source articles). Not a general converter:
# characters outside this table pass through unchanged.
_T2S_PAIRS = (
    "醫医 聯联 區区 衛卫 務务 鄉乡 鎮镇 級级 婦妇 療疗 護护 養养 機机 構构 專专 綜综 "
    "藥药 復复 總总 院院 寶宝 儀仪 與与 東东 門门 們们 傳传 電电 圖图 檢检 驗验 攝摄 "
    "體体 內内 兒儿 產产 嬰婴 腫肿 瘤瘤 腦脑 臟脏 濟济 紅红 縣县 莊庄 會会 診诊 轉转 "
    "雙双 優优 優优 兩两 對对 結结 給给 網网 絡络 遠远 術术 後后 質质 資资 來来 "
    "員员 動动 協协 連连 營营 辦办 單单 實实 團团 長长 張张 點点 屬属 礎础 樞枢 紐纽 "
    "頭头 龍龙 級级 甲甲 乙乙 丙丙 特特 等等 類类 別别 歲岁 齡龄 據据 庫库 測测 "
    "線线 鏡镜 聲声 彩彩 勢势 態态 癒愈 癥症 腎肾 臨临 床床 報报 歷历 園园 陽阳 "
    "陰阴 漢汉 滬沪 廣广 東东 豐丰 邳邳 寧宁 沂沂 賈贾 溝沟 壽寿 顧顾 問问 題题 "
    "應应 樂乐 當当 創创 處处 參参 發发 開开 關关 變变 過过 還还 這这 裡里 麼么 "
    "們们 個个 為为 無无 從从 誌志 書书 學学 術术 講讲 課课 師师 範范 歸归 縱纵 "
    "橫横 聯联 盟盟 幫帮 擴扩 據据 區区 劃划 織织 際际 現现 場场 導导 層层 級级 "
    "職职 稱称 貴贵 價价 費费 險险 錢钱 財财 產产 業业 計计 畫画 劑剂 紙纸 號号 "
    "護护 監监 測测 療疗 癌癌 愛爱 節节 燒烧 傷伤 鍵键 廠厂 農农 村村 莊庄 圍围 "
    "設设 備备 儲储 運运 輸输 遞递 達达 選选 擇择 鑒鉴 證证 認认 識识 語语 說说 "
    "話话 讀读 寫写 論论 調调 議议 評评 試试 訂订 計计 許许 詢询 諮咨 謝谢 "
    "讓让 憑凭 盡尽 廢废 擔担 負负 損损 獲获 輕轻 較较 載载 輔辅 錄录 鏈链 針针 "
    "鐘钟 陳陈 陸陆 隊队 隨随 險险 雜杂 難难 靜静 順顺 預预 領领 頻频 顯显 風风 "
    "飛飞 館馆 馬马 驗验 體体 鬥斗 魯鲁 鳥鸟 麥麦 黃黄 齊齐 齒齿 與与 歐欧 華华 "
    "漁渔 島岛 邊边 鄰邻 鄧邓 鄭郑 壓压 氣气 濕湿 熱热 營营 環环 瑞瑞 獨独 "
    "癡痴 癱瘫 瘡疮 瘧疟 盡尽 眾众 睏困 礙碍 禮礼 禪禅 穩稳 窮穷 竊窃 競竞 "
    "筆笔 築筑 簡简 籌筹 糧粮 紀纪 約约 紅红 級级 細细 終终 組组 經经 統统 絲丝 "
    "維维 綠绿 緊紧 線线 編编 緩缓 縮缩 繫系 續续 纖纤 罷罢 義义 習习 聖圣 聞闻 "
    "聽听 肅肃 腸肠 膽胆 膠胶 膚肤 臉脸 艱艰 蘇苏 蘭兰 處处 虛虚 號号 蟲虫 衝冲 "
    "補补 裝装 複复 規规 視视 覺觉 親亲 觀观 計计 記记 設设 訪访 詳详 該该 誤误 "
    "請请 諾诺 謀谋 證证 財财 貨货 販贩 貧贫 貼贴 貿贸 賓宾 賣卖 質质 購购 贈赠 "
    "贊赞 趕赶 趨趋 躍跃 車车 軍军 軟软 輪轮 辭辞 農农 迴回 這这 遞递 適适 遲迟 "
    "遷迁 還还 郵邮 鄉乡 釋释 鋼钢 錯错 鍋锅 鍛锻 鎖锁 鑰钥 門门 閉闭 開开 閑闲 "
    "間间 閱阅 闆板 闖闯 陣阵 陰阴 隱隐 雖虽 雞鸡 離离 雲云 電电 靈灵 韓韩 頁页 "
    "項项 順顺 須须 頓顿 頗颇 頒颁 頸颈 頻频 額额 顏颜 願愿 類类 顧顾 飯饭 飲饮 "
    "養养 餘余 饋馈 騎骑 驚惊 髮发 鬆松 鬧闹 魚鱼 鮮鲜 鳳凤 鴨鸭 鵬鹏 鹽盐 麗丽 "
    "黨党 黴霉 鼓鼓 齡龄 龍龙 龜龟 嶺岭 嶽岳 巖岩 幣币 幹干 廟庙 廳厅 彎弯 徑径 "
    "徵征 態态 慮虑 慶庆 憂忧 憶忆 懷怀 戰战 戲戏 戶户 拋抛 掃扫 掛挂 採采 揚扬 "
    "換换 損损 搖摇 搶抢 擁拥 擊击 擋挡 據据 擠挤 擬拟 擺摆 攔拦 攜携 斷断 晉晋 "
    "時时 晝昼 暈晕 暢畅 曆历 曉晓 條条 來来 東东 枴拐 棄弃 棟栋 楊杨 榮荣 樓楼 "
    "標标 樣样 樹树 橋桥 檔档 檢检 櫃柜 權权 歡欢 歲岁 殘残 殺杀 毀毁 氫氢 決决 "
    "沒没 況况 洶汹 淚泪 淺浅 減减 測测 湯汤 準准 溫温 滅灭 滯滞 滿满 漲涨 潔洁 "
    "潤润 澀涩 濃浓 瀏浏 灣湾 災灾 爐炉 爭争 爾尔 牆墙 狀状 猶犹 獄狱 獎奖 "
    "現现 瑪玛 環环 產产 畢毕 異异 當当 瘋疯 療疗 癢痒 發发 盜盗 盤盘 確确 碼码 "
    "磚砖 禦御 種种 稅税 穀谷 積积 穫获 窩窝 筍笋 範范 篩筛 簽签 籃篮 粵粤 糾纠 "
    "紙纸 紛纷 級级 納纳 純纯 絕绝 絡络 給给 統统 綜综 綱纲 網网 綿绵 緒绪 練练 "
    "縣县 縫缝 總总 績绩 織织 繩绳 繪绘 繼继 纏缠 缽钵 罰罚 羅罗 聯联 聰聪 聲声 "
    "職职 腳脚 興兴 舉举 舊旧 艙舱 藝艺 藥药 蘋苹 衛卫 衝冲 衹只 製制 襲袭 "
    "見见 覽览 訊讯 託托 訓训 診诊 詞词 詩诗 誕诞 認认 誠诚 課课 調调 談谈 "
    "謙谦 講讲 謹谨 證证 譜谱 議议 護护 譽誉 讚赞 貝贝 負负 貢贡 責责 貴贵 貸贷 "
    "費费 資资 賞赏 賠赔 賬账 賴赖 賺赚 贏赢 趙赵 跡迹 踐践 蹤踪 軌轨 較较 輩辈 "
    "輯辑 輸输 轄辖 辦办 辯辩 遙遥 遠远 遺遗 邁迈 邏逻 醜丑 釣钓 鈴铃 鉛铅 銀银 "
    "銅铜 銷销 鋪铺 鋒锋 錄录 錢钱 錦锦 鍵键 鏡镜 鐵铁 鑄铸 長长 閃闪 閣阁 闊阔 "
    "闡阐 陝陕 陽阳 際际 隸隶 雙双 雜杂 雞鸡 靂雳 韌韧 響响 頂顶 預预 頭头 題题 "
    "顫颤 颱台 飄飘 飽饱 餅饼 館馆 駐驻 駛驶 騰腾 驅驱 驗验 骯肮 髒脏 鬱郁 鯨鲸 "
    "鴻鸿 鶴鹤 麵面 黴霉 齋斋 儲储 償偿 優优 傷伤 傳传 僅仅 億亿 價价 倉仓 個个 "
    "們们 偉伟 側侧 偵侦 備备 傘伞 傭佣 僑侨 儀仪 儘尽 兇凶 剛刚 剝剥 創创 劃划 "
    "劇剧 劉刘 劍剑 勁劲 動动 務务 勝胜 勞劳 勢势 勵励 勸劝 匯汇 區区 協协 卻却 "
    "厲厉 參参 叢丛 吳吴 員员 問问 啟启 喪丧 喬乔 單单 嗎吗 嘆叹 嚴严 囑嘱 圍围 "
    "園园 圓圆 團团 圖图 執执 堅坚 報报 場场 塊块 塗涂 墊垫 墜坠 壇坛 壞坏 壯壮 "
    "壺壶 夢梦 夥伙 奪夺 奮奋 妝妆 婁娄 媽妈 孫孙 學学 寧宁 寫写 實实 審审 寬宽 "
    "對对 尋寻 導导 屆届 層层 屬属 歸归 峽峡 帶带 帥帅 師师 帳帐 廣广 廠厂 廢废 "
    "銜衔 駐驻 斷断 劑剂 頭头 額额 種种 簽签 執执 點点 適适 擔担 餘余 託托 "
    "牽牵 國国 並并 併并 數数 窺窥 進进 週周 醞酝 鑑鉴 衆众 峯峰 綫线 麼么 彙汇"
)
_T2S: dict[int, str] = {}
for _pair in _T2S_PAIRS.split():
    if len(_pair) == 2 and _pair[0] != _pair[1]:
        _T2S[ord(_pair[0])] = _pair[1]

# Words that Taiwan and Hong Kong write differently, not just in other characters (after the
# character conversion): 資訊 is the traditional-script word for 信息 (information).
_REGIONAL_WORDS = (("资讯", "信息"),)

# a run of pinyin (latin letters with or without tone marks) in parentheses right after a
# CJK character, e.g. 醫(yī) 聯(lián); the seed articles carry such glosses
_PINYIN_GLOSS = re.compile(r"(?<=[\u3400-\u9fff])\((?:[a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]+)\)")
_IGNORED = re.compile(r"[\s\-_·・/.,，、()（）]+")


def to_simplified(text: str) -> str:
    """Convert the traditional characters of this domain's vocabulary to simplified.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        The text with the known traditional characters replaced; other characters unchanged.

    Examples
    --------
    >>> to_simplified("三級甲等綜合醫院")
    '三级甲等综合医院'
    >>> to_simplified("牽頭單位"), to_simplified("資訊共享")
    ('牵头单位', '信息共享')
    """
    out = text.translate(_T2S)
    for regional, word in _REGIONAL_WORDS:
        if regional in out:
            out = out.replace(regional, word)
    return out


def normalize_label(text: str) -> str:
    """Fold a label to the key used for lookups.

    NFKC normalisation, inline pinyin glosses dropped, traditional → simplified, spaces,
    hyphens, underscores, dots, slashes and brackets removed, Latin letters lower-cased.

    Parameters
    ----------
    text : str
        The label as written.

    Returns
    -------
    str
        The folded key.

    Examples
    --------
    >>> normalize_label("醫(yī)院")
    '医院'
    >>> normalize_label("Tertiary A")
    'tertiarya'
    """
    folded = unicodedata.normalize("NFKC", text)
    folded = _PINYIN_GLOSS.sub("", folded)
    folded = to_simplified(folded)
    return _IGNORED.sub("", folded).lower()


_POOL = 5_000
"""At most this many candidates are compared with a misspelt word (those that begin most like
it), so a suggestion costs little even among 100,000 ids."""


def closest(word: str, candidates: Collection[str], *, n: int = 3) -> list[str]:
    """The candidates most like ``word`` (a misspelt id or label), best first.

    Uses :func:`difflib.get_close_matches` (similarity at least 0.6). Among very many
    candidates only the few thousand that begin most like ``word`` are compared.

    Parameters
    ----------
    word : str
        What was written.
    candidates : collection of str
        What could have been meant.
    n : int, default 3
        At most this many are returned.

    Returns
    -------
    list of str
        Up to ``n`` candidates, most alike first; empty when none is alike enough.

    Examples
    --------
    >>> closest("vil-c2", ["vil-c1", "town-a", "county-hosp"])
    ['vil-c1']
    >>> closest("县城医共体", ["县域医共体", "城市医疗集团"])
    ['县域医共体']
    >>> closest("xyz", ["vil-c1"])
    []
    """
    pool = candidates if isinstance(candidates, list | tuple) else list(candidates)
    if len(pool) > _POOL:
        pool = heapq.nlargest(_POOL, pool, key=lambda c: _shared_start(word, c))
    return difflib.get_close_matches(word, pool, n=n)


def _shared_start(a: str, b: str) -> tuple[int, int]:
    """How alike two words look at a glance: common leading characters, then length."""
    k = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        k += 1
    return k, -abs(len(a) - len(b))


def did_you_mean(word: object, candidates: Collection[str]) -> str:
    """``"; did you mean 'x'?"`` naming the closest candidates, or ``""`` when none is close.

    For the end of an "unknown id" message.

    Examples
    --------
    >>> "unknown institution 'vil-c2'" + did_you_mean("vil-c2", ["vil-c1", "vil-b1"])
    "unknown institution 'vil-c2'; did you mean 'vil-c1' or 'vil-b1'?"
    >>> did_you_mean("zzz", ["vil-c1"])
    ''
    """
    if not isinstance(word, str) or not candidates:
        return ""
    found = closest(word, candidates)
    if not found:
        return ""
    quoted = [repr(c) for c in found]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"; did you mean {listed}?"


E = TypeVar("E", bound=Enum)


class LabelTable(Generic[E]):
    """Map many spellings of a label to one enum member.

    A label that people use for more than one member (``医疗集团`` names urban groups and
    county groups alike) can be declared **ambiguous**: it is never mapped silently, and
    parsing it raises a :class:`~medalliance.errors.LabelError` that names every member it
    may mean, so the writer picks one.

    Parameters
    ----------
    kind : str
        What the labels name (used in error messages), e.g. ``"institution kind"``.
    labels : mapping of enum member to iterable of str
        Accepted spellings per member; the member's value is always accepted too.
    ambiguous : mapping of str to iterable of enum members, optional
        Labels that may mean any of several members (two or more each); they are rejected
        with a message listing those members. An ambiguous label may not also be an
        accepted one.

    Examples
    --------
    >>> from enum import Enum
    >>> class Colour(str, Enum):
    ...     RED = "red"
    ...     CRIMSON = "crimson"
    >>> table = LabelTable("colour", {Colour.RED: ["红", "紅色"], Colour.CRIMSON: ["深红"]},
    ...                    ambiguous={"赤": [Colour.RED, Colour.CRIMSON]})
    >>> table.parse("紅")
    <Colour.RED: 'red'>
    >>> table.parse("blue")
    Traceback (most recent call last):
    ...
    medalliance.errors.LabelError: unknown colour 'blue'; accepted: crimson, red, 深红, 紅色, 红
    >>> table.parse("crimsom")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.LabelError: unknown colour 'crimsom'; did you mean 'crimson'? (one of 5 ...)
    >>> table.parse("赤")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.LabelError: ambiguous colour '赤': it may mean red (红) or crimson ...
    """

    def __init__(
        self,
        kind: str,
        labels: Mapping[E, Iterable[str]],
        *,
        ambiguous: Mapping[str, Iterable[E]] | None = None,
    ) -> None:
        self.kind = kind
        self._by_key: dict[str, E] = {}
        self._shown: dict[str, str] = {}  # folded key -> the label as first written
        self._display: list[str] = []
        self._accepted_text: str | None = None  # the sorted list, joined when first needed
        self._zh: dict[E, str] = {}
        for member, spellings in labels.items():
            for label in (str(member.value), *spellings):
                key = normalize_label(label)
                other = self._by_key.get(key)
                if other is not None and other is not member:
                    msg = f"label {label!r} maps to both {other} and {member}"
                    raise AssertionError(msg)
                self._by_key[key] = member
                self._shown.setdefault(key, label)
                if label not in self._display:
                    self._display.append(label)
                if not label.isascii():
                    self._zh.setdefault(member, label)
        self._values = {str(m.value): m for m in labels}
        self._ambiguous: dict[str, tuple[E, ...]] = {}
        for label, members in (ambiguous or {}).items():
            key = normalize_label(label)
            choices = tuple(dict.fromkeys(members))
            if key in self._by_key or label in self._values or len(choices) < 2:
                msg = f"ambiguous label {label!r} must be new and name two or more members"
                raise AssertionError(msg)
            self._ambiguous[key] = choices

    @property
    def accepted(self) -> tuple[str, ...]:
        """Every accepted spelling, as written in the table (ambiguous labels excluded).

        Examples
        --------
        >>> from medalliance import Tier
        >>> "三级" in Tier.table().accepted
        True
        """
        return tuple(self._display)

    def choices(self, label: str) -> tuple[E, ...]:
        """The members an ambiguous label may mean; empty when the label is not ambiguous.

        Examples
        --------
        >>> from medalliance import AllianceForm
        >>> [f.value for f in AllianceForm.table().choices("醫療集團")]
        ['urban_medical_group', 'county_medical_community']
        >>> AllianceForm.table().choices("城市医疗集团")
        ()
        """
        return self._ambiguous.get(normalize_label(label), ())

    def parse(self, label: object) -> E:
        """Return the member a label names.

        Raises
        ------
        LabelError
            If the label is not a string, is not recognised (the message lists the accepted
            labels) or is ambiguous (the message names the members it may mean).

        Examples
        --------
        >>> from medalliance import MemberRole
        >>> MemberRole.table().parse("龍頭")
        <MemberRole.LEAD: 'lead'>
        """
        if isinstance(label, str):
            member = self._values.get(label)
            if member is not None:
                return member
            key = normalize_label(label)
            member = self._by_key.get(key)
            if member is not None:
                return member
            choices = self._ambiguous.get(key)
            if choices:
                raise LabelError([Problem((), self._ambiguity_message(label, choices))])
        raise LabelError([Problem((), self._unknown_message(label))])

    def suggest(self, label: str, *, n: int = 3) -> tuple[str, ...]:
        """Accepted labels like ``label`` (a misspelling), best first, one per member.

        Examples
        --------
        >>> from medalliance import Specialty
        >>> Specialty.table().suggest("神经内")
        ('神经内科',)
        >>> Specialty.table().suggest("zzz")
        ()
        """
        found: dict[E, str] = {}
        for key in closest(normalize_label(label), list(self._shown), n=3 * n):
            found.setdefault(self._by_key[key], self._shown[key])
        return tuple(found.values())[:n]

    def _unknown_message(self, label: object) -> str:
        """Closest labels first; the whole list only when none is close."""
        near = self.suggest(label) if isinstance(label, str) else ()
        if not near:
            if self._accepted_text is None:
                self._accepted_text = ", ".join(sorted(self._display))
            return f"unknown {self.kind} {quote(label)}; accepted: {self._accepted_text}"
        named = [
            f"{x!r}"
            if x == self._by_key[normalize_label(x)].value
            else f"{x!r} ({self._by_key[normalize_label(x)].value})"
            for x in near
        ]
        listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]
        return (
            f"unknown {self.kind} {quote(label)}; did you mean {listed}? "
            f"(one of {len(self._display)} accepted labels)"
        )

    def _ambiguity_message(self, label: str, choices: tuple[E, ...]) -> str:
        named = [f"{m.value} ({self._zh[m]})" if m in self._zh else str(m.value) for m in choices]
        listed = ", ".join(named[:-1]) + " or " + named[-1]
        return f"ambiguous {self.kind} {quote(label)}: it may mean {listed}; write the one you mean"

    def lookup(self, label: str) -> E | None:
        """Return the member a label names, or ``None`` when it is unknown or ambiguous.

        Examples
        --------
        >>> from medalliance import MemberRole
        >>> MemberRole.table().lookup("枢纽"), MemberRole.table().lookup("boss")
        (<MemberRole.HUB: 'hub'>, None)
        """
        member = self._values.get(label)
        if member is None:
            member = self._by_key.get(normalize_label(label))
        return member
