#!/usr/bin/env python3
"""Check the mix of the blind evaluation set (tests/nlu/blind/questions.yml).

Self-contained: reads questions.yml next to this file, and the label lists
from /work/briefs/ when they exist (the label checks are skipped otherwise).
It only reads the set and the label lists; it does not touch the project's
training data. Exit code 1 when a target of the mix is not met.

    python3 tests/nlu/blind/check_mix.py
"""
import collections
import os
import re
import statistics
import sys
import unicodedata

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("PyYAML is needed: use the project's .venv/bin/python")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))  # the repository root
QUESTIONS = os.path.join(HERE, "questions.yml")
PRODUCTS_TXT = "/work/briefs/products.txt"
ORGANISATIONS_TXT = "/work/briefs/organisations.txt"

OOS_KINDS = ["gibberish", "off_topic", "english", "other_language", "injection", "abuse"]
SAFETY_KINDS = ["emergency", "domestic_violence", "suicide_risk"]

# targets from the brief
T_PRODUCT_TEXTS = 520
T_DISTINCT_PRODUCTS = 290
T_MAX_PER_PRODUCT = 3
T_ORG_TEXTS = 75
T_DISTINCT_ORGS = 22
T_OOS_TOTAL = 120
T_OOS_PER_KIND = 20
T_SAFETY = 15
T_SAFETY_PER_KIND = 5
T_LONG_SHARE = 0.35       # share of all texts with >= 20 words
T_NO_NAME_SHARE = 0.25    # share of product texts without a 4+-letter word of the product name
T_PHONE_SHARE = 0.30      # share of all texts with phone spelling (heuristic)

ABBREVIATIONS = {"mn", "ff", "ipv", "idd", "zn", "wrm", "gwn", "ofzo", "pls", "aub", "btw",
                 "ivm", "zsm", "k", "nie", "vd", "tm", "2e", "3e", "1x", "2x", "3x", "s"}
EN_WORDS = {"the", "i", "my", "you", "your", "how", "what", "where", "which", "why", "does", "do",
            "should", "have", "from", "and", "for", "to", "can", "are", "our", "there", "this",
            "get", "need", "am", "with"}  # English words that are not also Dutch words


def norm(text):
    """Lower case without accents."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def words(text):
    return text.split()


def name_tokens(label):
    return [w for w in re.split(r"[^a-z0-9]+", norm(label)) if len(w) >= 4]


def mentions_name(label, text):
    """True when a 4+-letter word of the product name occurs in the text (substring, so
    compounds such as 'paspoortfoto' count as a mention; this is the strict reading)."""
    t = norm(text)
    return any(tok in t for tok in name_tokens(label))


def is_faq_style(text):
    return text.rstrip().endswith("?") and len(words(text)) <= 15


def is_phone_style(text):
    """Rough heuristic: no capital at the start, or a chat abbreviation, or '!!'/'??'."""
    s = text.strip()
    if s[:1].isalpha() and s[:1].islower():
        return True
    toks = set(re.findall(r"[a-z0-9]+", s.lower()))
    if toks & ABBREVIATIONS:
        return True
    return "!!" in s or "??" in s


def is_english(text):
    toks = re.findall(r"[a-z']+", text.lower())
    if not toks:
        return False
    return sum(t in EN_WORDS for t in toks) >= 2 and not {"de", "het", "een", "ik"} & set(toks)


def read_products():
    if not os.path.exists(PRODUCTS_TXT):
        return None
    with open(PRODUCTS_TXT, encoding="utf-8") as fh:
        return {ln.strip() for ln in fh if ln.strip()}


def read_organisations():
    if not os.path.exists(ORGANISATIONS_TXT):
        return None
    ids = set()
    with open(ORGANISATIONS_TXT, encoding="utf-8") as fh:
        for ln in fh:
            if ln.strip() and not ln.startswith("#"):
                ids.add(ln.split("|")[0].strip())
    return ids


def main():
    with open(QUESTIONS, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    items = data["questions"]
    failures = []

    def target(ok, message):
        print(("  ok   " if ok else "  FAIL ") + message)
        if not ok:
            failures.append(message)

    kinds = collections.Counter()
    bad_shape = []
    for i, it in enumerate(items):
        keys = set(it) - {"text"}
        if "text" not in it or not isinstance(it["text"], str) or len(keys) != 1:
            bad_shape.append(i)
            continue
        kinds[keys.pop()] += 1

    texts = [it["text"] for it in items]
    prod = [(it["product"], it["text"]) for it in items if "product" in it]
    org = [(it["organisation"], it["text"]) for it in items if "organisation" in it]
    oos = collections.Counter(it["out_of_scope"] for it in items if "out_of_scope" in it)
    safety = collections.Counter(it["safety"] for it in items if "safety" in it)
    per_product = collections.Counter(p for p, _ in prod)
    per_org = collections.Counter(o for o, _ in org)

    print(f"file: {os.path.relpath(QUESTIONS, ROOT)}")
    print(f"total texts: {len(items)}  (by kind: {dict(kinds)})")
    target(not bad_shape, f"every item has a text and exactly one label (bad items: {bad_shape[:10]})")

    print("\nproducts")
    print(f"  product texts: {len(prod)}, distinct products: {len(per_product)}, "
          f"max per product: {max(per_product.values()) if per_product else 0}")
    target(len(prod) >= T_PRODUCT_TEXTS, f"product texts >= {T_PRODUCT_TEXTS}")
    target(len(per_product) >= T_DISTINCT_PRODUCTS, f"distinct products >= {T_DISTINCT_PRODUCTS}")
    over = [p for p, n in per_product.items() if n > T_MAX_PER_PRODUCT]
    target(not over, f"at most {T_MAX_PER_PRODUCT} texts per product (over: {over})")
    no_name = sum(not mentions_name(p, t) for p, t in prod)
    share = no_name / len(prod) if prod else 0
    print(f"  product texts without a 4+-letter word of the product name: {no_name} ({share:.1%})")
    target(share >= T_NO_NAME_SHARE, f"no-name share >= {T_NO_NAME_SHARE:.0%}")
    english_prod = sum(is_english(t) for _, t in prod)
    print(f"  English product texts (heuristic): {english_prod}")

    print("\norganisations")
    print(f"  organisation texts: {len(org)}, distinct ids: {len(per_org)}")
    target(len(org) >= T_ORG_TEXTS, f"organisation texts >= {T_ORG_TEXTS}")
    target(len(per_org) >= T_DISTINCT_ORGS, f"distinct organisation ids >= {T_DISTINCT_ORGS}")

    print("\nout of scope")
    print("  " + ", ".join(f"{k}: {oos.get(k, 0)}" for k in OOS_KINDS) + f"  (total {sum(oos.values())})")
    target(sum(oos.values()) >= T_OOS_TOTAL, f"out of scope >= {T_OOS_TOTAL}")
    target(all(oos.get(k, 0) >= T_OOS_PER_KIND for k in OOS_KINDS), f"each out-of-scope kind >= {T_OOS_PER_KIND}")
    target(set(oos) <= set(OOS_KINDS), f"out-of-scope kinds known ({sorted(set(oos) - set(OOS_KINDS))})")

    print("\nsafety")
    print("  " + ", ".join(f"{k}: {safety.get(k, 0)}" for k in SAFETY_KINDS) + f"  (total {sum(safety.values())})")
    target(sum(safety.values()) >= T_SAFETY, f"safety >= {T_SAFETY}")
    target(all(safety.get(k, 0) >= T_SAFETY_PER_KIND for k in SAFETY_KINDS), f"each safety kind >= {T_SAFETY_PER_KIND}")
    target(set(safety) <= set(SAFETY_KINDS), f"safety kinds known ({sorted(set(safety) - set(SAFETY_KINDS))})")

    print("\nstyle")
    n_words = [len(words(t)) for t in texts]
    long_share = sum(n >= 20 for n in n_words) / len(texts)
    faq = [t for t in texts if is_faq_style(t)]
    own = [t for t in texts if not is_faq_style(t)]
    phone = sum(is_phone_style(t) for t in texts) / len(texts)
    print(f"  texts with >= 20 words: {long_share:.1%}")
    print(f"  FAQ-style (ends with '?', <= 15 words): {len(faq) / len(texts):.1%}, median words "
          f"{statistics.median(len(words(t)) for t in faq) if faq else 0}")
    print(f"  own words (the rest): {len(own) / len(texts):.1%}, median words "
          f"{statistics.median(len(words(t)) for t in own) if own else 0}")
    in_scope = [t for t in texts if t in {x for _, x in prod} | {x for _, x in org}]
    own_in_scope = [t for t in in_scope if not is_faq_style(t)]
    print(f"  product+organisation texts: FAQ-style {1 - len(own_in_scope) / len(in_scope):.1%}, "
          f"own words median {statistics.median(len(words(t)) for t in own_in_scope)} words")
    print(f"  phone spelling (heuristic: lower-case start, chat abbreviation, !!/??): {phone:.1%}")
    target(long_share >= T_LONG_SHARE, f">= 20 words share >= {T_LONG_SHARE:.0%}")
    target(phone >= T_PHONE_SHARE, f"phone spelling share >= {T_PHONE_SHARE:.0%}")

    print("\nlabels and duplicates")
    products = read_products()
    if products is None:
        print(f"  skip: {PRODUCTS_TXT} not found")
    else:
        unknown = sorted({p for p, _ in prod if p not in products})
        target(not unknown, f"every product label is in products.txt (unknown: {unknown})")
    orgs = read_organisations()
    if orgs is None:
        print(f"  skip: {ORGANISATIONS_TXT} not found")
    else:
        unknown = sorted({o for o, _ in org if o not in orgs})
        target(not unknown, f"every organisation id is in organisations.txt (unknown: {unknown})")
    dup_exact = [t for t, n in collections.Counter(texts).items() if n > 1]
    dup_norm = [t for t, n in collections.Counter(norm(t).strip() for t in texts).items() if n > 1]
    target(not dup_exact and not dup_norm, f"no duplicate texts (exact: {dup_exact}, normalised: {dup_norm})")

    print("\nRESULT: " + ("all targets met" if not failures else f"{len(failures)} target(s) not met"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
