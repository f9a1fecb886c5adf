"""The deep dive's rule tables: cue phrases and patterns for design, population, methods,
results and limitations. Data only; research.deepdive applies them. The study designs live in
research.design and the section names in research.sections, shared with reviews."""

from __future__ import annotations

import re

from research.sections import ABSTRACT, CONCLUSIONS, DISCUSSION, METHODS, RESULTS, TITLE

MAX_KEY_RESULTS = 60
MAX_PERCENTAGES = 15
MAX_ARMS = 6
SMALL_SAMPLE = 100
LARGE_SAMPLE = 1000

PARAGRAPH_RE = re.compile(r"\n[ \t]*\n")
# diagnostics.source for each kind of full text; sources ending in "_abstract" are abstracts only.
FULL_TEXT_KINDS = {"pdf": "pdf_full_text", "jats": "jats_full_text", "pasted": "pasted_full_text"}
FULL_TEXT_SOURCES = frozenset({"", "abstract", *FULL_TEXT_KINDS})
# Where a design is described, and where results are reported ("" is text under no heading).
DESIGN_SECTIONS = frozenset({TITLE, ABSTRACT, METHODS, ""})
RESULT_SECTIONS = frozenset({TITLE, ABSTRACT, RESULTS, CONCLUSIONS, DISCUSSION, ""})

MODEL_CUES = (
    ("human", re.compile(r"\b(patients?|participants?|volunteers?|adults?|children|women|men|"
                         r"subjects|humans?|individuals|infants|neonates|respondents)\b", re.I)),
    ("animal", re.compile(r"\b(mice|mouse|rats?|murine|rodents?|zebrafish|rabbits?|pigs?|"
                          r"primates?|dogs?|animals?)\b", re.I)),
    ("in vitro", re.compile(r"\b(in vitro|cell lines?|cultured|cell culture|organoids?)\b", re.I)),
    ("in silico", re.compile(r"\b(in silico|docking|simulations?|computational)\b", re.I)),
)  # fmt: skip
POPULATION_RE = re.compile(
    r"\b(?:\d[\d,]*\s+)?(?:(?:adult|elderly|older|young|hospitali[sz]ed|critically ill|pregnant|"
    r"healthy|consecutive|male|female)\s+)*(?:patients|participants|adults|children|infants|"
    r"neonates|women|men|individuals|subjects|volunteers|residents|students|veterans|mice|rats)"
    r"(?:\s+(?:\d+ years of age or older|with|aged|who|from|undergoing|admitted|receiving|"
    r"diagnosed|treated)\b[^.;:(),]{0,90})?",
    re.IGNORECASE,
)
TOTAL_RE = re.compile(r"\b[Aa] total of (\d[\d,]*)\b")
COUNT_RE = re.compile(
    r"\b(\d[\d,]*)\s+(?:\w+\s+)?(?:patients|participants|subjects|adults|children|women|men|"
    r"individuals|volunteers|cases|infants|respondents|mice|rats)\b"
)
N_EQUALS_RE = re.compile(r"\b[Nn]\s*=\s*(\d[\d,]*)")
GROUP_PAREN_RE = re.compile(r"\(([A-Za-z][\w\- ]{1,50}?) (?:group|arm)\)")
GROUP_THE_RE = re.compile(r"\bthe ((?:[\w\-]+ ){0,2}[\w\-]+) (?:group|arm)\b", re.IGNORECASE)
GENERIC_GROUP_WORDS = frozenset(
    {"same", "age", "whole", "entire", "study", "other", "former", "latter", "each", "this",
     "that", "first", "second", "third", "one", "two", "three", "both", "either", "total", "a"}
)  # fmt: skip
RANDOMISATION_DETAILS = (
    ("cluster", "cluster"),
    ("stratif", "stratified"),
    ("block", "block"),
    ("computer-generated", "computer-generated"),
    ("computer generated", "computer-generated"),
)
RATIO_RE = re.compile(r"\b\d:\d(?::\d)?\b")
FOLLOW_UP_RE = re.compile(r"\b(\d+)[- ](week|month|year)s?\b", re.IGNORECASE)
TRIAL_ID_RE = re.compile(r"\b(NCT\d{8}|ISRCTN\d+|ChiCTR[\w-]+|EudraCT[\s:]*[\d-]+)\b")

NUMBER = r"-?\d+(?:\.\d+)?"
P_VALUE_RE = re.compile(
    r"\b[Pp](?:[\s-]*values?)?\s*(<|>|=|≤|≥|<=|>=)\s*(0?\.\d+|\d(?:\.\d+)?)"
    r"(?:\s*[x×]\s*10\s*[-−–]\s*(\d+))?"
)
CI_RE = re.compile(
    r"\b(\d{2}(?:\.\d+)?)\s*%\s*(?:CI|confidence intervals?|CrI|credible intervals?)"
    r"(?:\s*\[(?:CI|CrI)\])?[\s,:=]*[\[(]?\s*("
    + NUMBER
    + r")\s*(?:to|-|–|—|,)\s*("
    + NUMBER
    + r")",
    re.IGNORECASE,
)
RATIO_PATTERNS = (
    ("odds_ratio", re.compile(r"(?:\b(?i:(?:adjusted )?odds ratios?)|\ba?OR)\b")),
    ("hazard_ratio", re.compile(r"(?:\b(?i:(?:adjusted )?hazard ratios?)|\ba?HR)\b")),
    ("risk_ratio", re.compile(r"(?:\b(?i:(?:relative risk|risk ratio|rate ratio"
                              r"|incidence rate ratio)s?)|\b(?:a?RR|IRR))\b")),
    ("effect_size", re.compile(r"(?:\b(?i:cohen'?s d|hedges'? g|effect sizes?|standardi[sz]ed mean "
                               r"differences?|mean differences?)|\b(?:SMD|WMD|MD)\b)")),
)  # fmt: skip
RATIO_VALUE_RE = re.compile(
    r"\s*(?:\[[^\]]{0,12}\]|\([A-Za-z]{1,5}\))?\s*"
    r"(?:(?:[,:=]|of|was|were|is|(?:in|for) [\w -]{1,30}? (?:was|were|of|=))\s*)?"
    r"(" + NUMBER + r")\b"
)
PERCENT_RE = re.compile(r"\b(\d+(?:\.\d+)?)\s?%(?!\s*(?:CI|confidence|CrI|credible))")
RATIO_CONTEXT_RE = re.compile(r"ratio|\bOR\b|\bHR\b|\bRR\b|\bIRR\b", re.IGNORECASE)

TECHNIQUES: tuple[tuple[str, str, str], ...] = (
    (
        "RT-PCR / qPCR",
        "molecular biology",
        r"\b(?:RT-?q?PCR|qPCR|real-time PCR|polymerase chain reaction|PCR)\b",
    ),
    ("RNA sequencing", "omics", r"\b(?:RNA-?seq|RNA sequencing|transcriptom\w+)\b"),
    (
        "DNA sequencing",
        "omics",
        r"\b(?:whole[- ]genome sequencing|whole[- ]exome sequencing|"
        r"next[- ]generation sequencing|NGS|Sanger sequencing)\b",
    ),
    ("Single-cell sequencing", "omics", r"\bsingle[- ]cell (?:RNA[- ])?seq\w*"),
    (
        "Proteomics / mass spectrometry",
        "omics",
        r"\b(?:proteomic\w*|mass spectrometry|LC-MS(?:/MS)?|MALDI)\b",
    ),
    ("Metabolomics", "omics", r"\bmetabolomic\w*"),
    ("CRISPR gene editing", "molecular biology", r"\bCRISPR\b"),
    ("Western blot", "protein analysis", r"\b[Ww]estern blot\w*"),
    ("ELISA", "immunoassay", r"\bELISA\b|enzyme-linked immunosorbent"),
    ("Flow cytometry", "cell analysis", r"\bflow cytometr\w+|\bFACS\b"),
    ("Immunohistochemistry", "histology", r"\bimmunohistochemi\w+|\bIHC\b"),
    ("Histology", "histology", r"\bhistolog\w+|\bH&E\b|hematoxylin and eosin"),
    ("Microscopy", "imaging", r"\b(?:confocal|electron|fluorescence) microscop\w+"),
    ("Cell culture", "in vitro", r"\bcell cultures?\b|\bcell lines?\b|\bcultured cells\b"),
    (
        "Animal model",
        "in vivo",
        r"\b(?:mouse|murine|rat|animal) models?\b|\bknockout mice\b|"
        r"\btransgenic mice\b",
    ),
    ("Magnetic resonance imaging", "imaging", r"\bMRI\b|magnetic resonance imaging|\bfMRI\b"),
    ("Computed tomography", "imaging", r"\bCT scans?\b|computed tomography|\bCT\b"),
    ("PET imaging", "imaging", r"\bPET\b|positron emission tomography"),
    (
        "Ultrasound / echocardiography",
        "imaging",
        r"\bultrasound\w*|\bultrasonograph\w+|\bechocardiograph\w+",
    ),
    ("NMR spectroscopy", "chemistry", r"\bNMR\b|nuclear magnetic resonance"),
    ("HPLC", "chemistry", r"\bHPLC\b|high-performance liquid chromatography"),
    ("Molecular docking", "in silico", r"\bmolecular docking\b|\bdocking stud\w+"),
    ("Molecular dynamics", "in silico", r"\bmolecular dynamics\b"),
    (
        "Machine learning",
        "computational",
        r"\bmachine learning\b|\bdeep learning\b|\bneural networks?\b|"
        r"\brandom forests?\b|\bsupport vector\b",
    ),
    ("Spirometry", "physiological measurement", r"\bspirometr\w+|\bFEV1\b"),
    ("Electrocardiography", "physiological measurement", r"\belectrocardiogra\w+|\bECG\b|\bEKG\b"),
    ("Questionnaire / survey", "survey", r"\bquestionnaires?\b|\bsurveys?\b"),
    ("Interviews", "qualitative", r"\binterviews?\b|\bfocus groups?\b"),
    ("Kaplan-Meier analysis", "statistics", r"\bKaplan[- ]Meier\b"),
    (
        "Cox proportional hazards regression",
        "statistics",
        r"\bCox (?:proportional[- ]hazards? )?(?:regression|model)\w*|"
        r"\bproportional hazards\b",
    ),
    ("Logistic regression", "statistics", r"\blogistic regression\b"),
    ("Linear regression", "statistics", r"\blinear regression\b"),
    (
        "Mixed-effects model",
        "statistics",
        r"\bmixed[- ]effects?\b|\bmixed models?\b|"
        r"\bgeneralized estimating equations?\b",
    ),
    ("Propensity score methods", "statistics", r"\bpropensity[- ]score\w*"),
    ("ANOVA", "statistics", r"\bANOVA\b|analysis of variance"),
    ("t-test", "statistics", r"\bt[- ]tests?\b"),
    ("Chi-square test", "statistics", r"\bchi[- ]?squared?\b|χ2"),
    ("Mann-Whitney / Wilcoxon test", "statistics", r"\bMann[- ]Whitney\b|\bWilcoxon\b"),
    (
        "Random-effects meta-analysis",
        "evidence synthesis",
        r"\brandom[- ]effects? (?:model|meta-analys\w+)\b",
    ),
    ("Meta-regression", "evidence synthesis", r"\bmeta-regression\b"),
    (
        "Risk-of-bias assessment",
        "evidence synthesis",
        r"\brisk of bias\b|\bGRADE\b|\bNewcastle[- ]Ottawa\b|\bCochrane\b",
    ),
    ("Intention-to-treat analysis", "trial analysis", r"\bintention[- ]to[- ]treat\b|\bITT\b"),
    ("Mendelian randomisation", "genetic epidemiology", r"\bMendelian randomi[sz]ation\b"),
)  # fmt: skip
LIMITATION_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Author-stated limitation",
        re.compile(
            r"\blimitations?\b|\blimited by\b|\bshortcoming",
            re.I,
        ),
    ),
    (
        "Small sample size",
        re.compile(
            r"\bsmall sample\b|\bsmall number of\b|\bunderpowered\b|"
            r"\blow statistical power\b",
            re.I,
        ),
    ),
    ("Selection bias", re.compile(r"\bselection bias\b", re.I)),
    (
        "Possible bias",
        re.compile(
            r"\b(?:recall|reporting|publication|information|attrition|detection|"
            r"performance) bias\b|\brisk of bias\b",
            re.I,
        ),
    ),
    ("Confounding", re.compile(r"\bconfound\w*", re.I)),
    (
        "Limited generalisability",
        re.compile(
            r"\bgenerali[sz]ab\w+|\bnot be generali[sz]ed\b|\bexternal validity\b",
            re.I,
        ),
    ),
    ("Heterogeneity", re.compile(r"\bheterogene\w+", re.I)),
    (
        "Missing data or loss to follow-up",
        re.compile(
            r"\bmissing data\b|\bloss to follow-up\b|\blost to follow-up\b|"
            r"\bdropouts?\b",
            re.I,
        ),
    ),
    ("Self-reported measures", re.compile(r"\bself-report\w*", re.I)),
    ("Short follow-up", re.compile(r"\bshort(?:er)? follow-up\b|\bshort duration\b", re.I)),
    (
        "Interpret with caution",
        re.compile(
            r"\binterpreted with caution\b|\bcaution is (?:needed|warranted)\b|"
            r"\bfurther (?:studies|research) (?:are|is) needed\b",
            re.I,
        ),
    ),
)  # fmt: skip
TECHNIQUE_RES = tuple(
    (name, category, re.compile(pattern)) for name, category, pattern in TECHNIQUES
)

# Blinding, most blinded first: (label, cues); the first label with a cue in any sentence wins.
OPEN_LABEL = "open-label (not blinded)"
BLINDING_CUES = (
    ("triple-blind", ("triple-blind", "triple blind", "triple-masked")),
    ("double-blind", ("double-blind", "double blind", "double-masked", "double masked")),
    ("single-blind", ("single-blind", "single blind", "single-masked")),
    ("assessor-blinded",
     ("assessor-blind", "observer-blind", "blinded assessor", "blinded outcome")),
    (OPEN_LABEL, ("open-label", "open label", "unblinded", "non-blinded")),
)  # fmt: skip
# What the intervention was compared with: (label, cues), first match wins.
CONTROL_CUES = (
    ("placebo", ("placebo",)),
    ("sham", ("sham",)),
    ("standard of care", ("standard of care", "standard care", "usual care",
                          "standard treatment", "conventional therapy",
                          "best supportive care")),
    ("historical controls", ("historical control",)),
    ("healthy controls", ("healthy control", "healthy volunteers", "healthy subjects")),
    ("no treatment", ("no treatment", "untreated")),
    ("active comparator", ("active comparator", "active control")),
    ("control group (type not stated)", ("control group", "controls")),
)  # fmt: skip
# Cues of design strengths and limitations read from a sentence.
SYNTHESIS_CUES = ("systematic", "meta-anal")
RANDOMISED_CUES = ("randomi", "randomly")
NOT_RANDOMISED_CUES = ("non-randomi", "nonrandomi", "not randomi")
MENDELIAN_CUE = "mendelian randomi"
MULTICENTRE_CUES = ("multicent", "multi-cent", "multicenter", "multinational")
INTENTION_TO_TREAT_CUES = ("intention-to-treat", "intention to treat")
PROSPECTIVE_CUES = ("prospective",)
RETROSPECTIVE_CUES = ("retrospective",)
SINGLE_CENTRE_CUES = (
    "single-centre", "single-center", "single center", "single centre", "single institution",
)  # fmt: skip
# Design limitations: those read from a sentence, and those that follow from the design alone.
RETROSPECTIVE_LIMITATION = "Retrospective: depends on records kept for other purposes"
OPEN_LABEL_LIMITATION = "Open-label: outcomes may be biased by knowing the treatment"
SINGLE_CENTRE_LIMITATION = "Single centre: may not generalise"
OBSERVATIONAL_LIMITATION = "Observational: associations, not causation; confounding possible"
CROSS_SECTIONAL_LIMITATION = "Cross-sectional: cannot establish the order of cause and effect"
CASE_REPORT_LIMITATION = "Single case or case series: not generalisable"
PRECLINICAL_LIMITATION = "Preclinical model: findings may not translate to humans"
OBSERVATIONAL_DESIGNS = frozenset(
    {"cohort study", "prospective cohort study", "retrospective cohort study",
     "case-control study", "cross-sectional study"}
)  # fmt: skip
PRECLINICAL_MODELS = frozenset(
    {"animal", "in vitro", "in silico", "animal and in vitro", "in vitro and in silico"}
)
