"""Province names used by the provincial data files.

The canonical name is the one used in
``shared/data/raw/china_provincial/derived/province_panel_1997_2024.csv``
(and CEADs): English name, "Inner Mongolia" with a space, no Tibet.
"""

PROVINCES = [
    "Beijing", "Tianjin", "Hebei", "Shanxi", "Inner Mongolia", "Liaoning", "Jilin",
    "Heilongjiang", "Shanghai", "Jiangsu", "Zhejiang", "Anhui", "Fujian", "Jiangxi",
    "Shandong", "Henan", "Hubei", "Hunan", "Guangdong", "Guangxi", "Hainan", "Chongqing",
    "Sichuan", "Guizhou", "Yunnan", "Shaanxi", "Gansu", "Qinghai", "Ningxia", "Xinjiang",
]

# GB/T 2260 two-digit province codes
GB_CODE = {
    "Beijing": 11, "Tianjin": 12, "Hebei": 13, "Shanxi": 14, "Inner Mongolia": 15,
    "Liaoning": 21, "Jilin": 22, "Heilongjiang": 23, "Shanghai": 31, "Jiangsu": 32,
    "Zhejiang": 33, "Anhui": 34, "Fujian": 35, "Jiangxi": 36, "Shandong": 37, "Henan": 41,
    "Hubei": 42, "Hunan": 43, "Guangdong": 44, "Guangxi": 45, "Hainan": 46, "Chongqing": 50,
    "Sichuan": 51, "Guizhou": 52, "Yunnan": 53, "Shaanxi": 61, "Gansu": 62, "Qinghai": 63,
    "Ningxia": 64, "Xinjiang": 65,
}

# pinyin keys used by the CHNCapitalStock R package
PINYIN = {
    "anhui": "Anhui", "beijing": "Beijing", "chongqing": "Chongqing", "fujian": "Fujian",
    "gansu": "Gansu", "guangdong": "Guangdong", "guangxi": "Guangxi", "guizhou": "Guizhou",
    "hainan": "Hainan", "hebei": "Hebei", "heilongjiang": "Heilongjiang", "henan": "Henan",
    "hubei": "Hubei", "hunan": "Hunan", "jiangsu": "Jiangsu", "jiangxi": "Jiangxi",
    "jilin": "Jilin", "liaoning": "Liaoning", "neimenggu": "Inner Mongolia",
    "ningxia": "Ningxia", "qinghai": "Qinghai", "shaanxi": "Shaanxi", "shandong": "Shandong",
    "shanghai": "Shanghai", "shanxi": "Shanxi", "sichuan": "Sichuan", "tianjin": "Tianjin",
    "xinjiang": "Xinjiang", "yunnan": "Yunnan", "zhejiang": "Zhejiang",
    # "xizang" (Tibet) is dropped
}

assert len(PROVINCES) == 30 and set(PROVINCES) == set(GB_CODE) == set(PINYIN.values())
