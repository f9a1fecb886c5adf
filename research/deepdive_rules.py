"""The deep dive's rule tables: cue phrases and patterns for design, population, methods,
results and limitations. Data only; research.deepdive applies them. The study designs live in
research.design and the section names in research.sections, shared with reviews."""

from __future__ import annotations

import re

from research.sections import (
    ABSTRACT,
    CONCLUSIONS,
    DISCUSSION,
    METHODS,
    RESULTS,
    TITLE,
)

MAX_KEY_RESULTS = 60
MAX_PERCENTAGES = 15
MAX_ARMS = 6
SMALL_SAMPLE = 100
LARGE_SAMPLE = 1000

PARAGRAPH_RE = re.compile(r"\n[ \t]*\n")
# Pasted text under no heading (or "Abstract") is split into sections by the sentence-role
# model from this many sentences on; a shorter text gives the model too little to place them.
MIN_ROLE_SPLIT = 5
# diagnostics.source for each kind of full text; sources ending in "_abstract" are abstracts only.
FULL_TEXT_KINDS = {"pdf": "pdf_full_text", "jats": "jats_full_text", "pasted": "pasted_full_text"}
FULL_TEXT_SOURCES = frozenset({"", "abstract", *FULL_TEXT_KINDS})
# Where results are reported ("" is text under no heading).
RESULT_SECTIONS = frozenset({TITLE, ABSTRACT, RESULTS, CONCLUSIONS, DISCUSSION, ""})
# How the study was done is read from Methods, then the title, then text under no section
# heading (an undivided abstract, unheaded pasted text); never from the Introduction, Results or
# Discussion, which describe other work or what was found.
METHOD_READING = (METHODS, TITLE, ABSTRACT, "")
# A text with no Methods (or whose sentence roles put none there) is read in this order.
METHOD_FALLBACK_READING = (TITLE, ABSTRACT, "", RESULTS, CONCLUSIONS, DISCUSSION)
# Where a follow-up length is reported.
FOLLOW_UP_READING = (METHODS, RESULTS, ABSTRACT, "")
# Where limitation language is read (the Limitations section is read whole; Methods only for
# a limitation named as such, since a role-split abstract may tag its limitations as Methods).
LIMITATION_READING = frozenset({METHODS, RESULTS, CONCLUSIONS, DISCUSSION, ABSTRACT, ""})

MODEL_CUES = (
    ("human", re.compile(r"\b(patients?|participants?|volunteers?|adults?|children|women|men|"
                         r"subjects|humans?|individuals|infants|neonates|respondents)\b", re.I)),
    ("animal", re.compile(r"\b(mice|mouse|rats?|murine|rodents?|zebrafish|rabbits?|pigs?|"
                          r"primates?|dogs?|animals?)\b", re.I)),
    ("in vitro", re.compile(r"\b(in vitro|cell lines?|cultured|cell culture|organoids?)\b", re.I)),
    ("in silico", re.compile(r"\b(in silico|docking|simulations?|computational)\b", re.I)),
)  # fmt: skip
# A whole number as papers write it: 1062, 1,062, 337 802 or 337\u2009802 (thin or no-break space).
COUNT_DIGITS = r"\d{1,3}(?:(?:,|[ \u2009\u202f\u00a0])\d{3})+(?![\d.,·]\d)|\d+(?![\d.,·]\d)"
COUNT_NUMBER = f"({COUNT_DIGITS})"
THOUSANDS_SEPARATORS = ", \u2009\u202f\u00a0"
POPULATION_RE = re.compile(
    r"\b(?:(?:" + COUNT_DIGITS + r")\s+)?(?:(?:adult|elderly|older|young|hospitali[sz]ed|"
    r"critically ill|pregnant|healthy|consecutive|male|female)\s+)*(?:patients|participants|"
    r"adults|children|infants|neonates|women|men|individuals|subjects|volunteers|residents|students|veterans|mice|rats)"
    r"(?:\s+(?:\d+ years of age or older|with|aged|who|from|undergoing|admitted|receiving|"
    r"diagnosed|treated)\b[^.;:(),]{0,90})?",
    re.IGNORECASE,
)
TOTAL_RE = re.compile(r"\b[Aa] total of " + COUNT_NUMBER)
COUNT_RE = re.compile(
    r"\b" + COUNT_NUMBER + r"\s+(?:[\w-]+\s+)?(?:patients|participants|subjects|adults|children|"
    r"women|men|individuals|volunteers|cases|infants|respondents|mice|rats)\b"
)
N_EQUALS_RE = re.compile(r"\b[Nn]\s*=\s*" + COUNT_NUMBER)
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
# A follow-up or study length: the duration must be tied to following up or to a period, so an
# age ("aged 75 years", "a 75-year-old") is never read as one.
DURATION = r"(\d+(?:[.·]\d+)?)[- ](week|month|year)s?\b"
FOLLOW_UP_RES = (
    re.compile(r"\bfollow(?:ed)?[- ]?(?:ups?\b)?[^.;\d]{0,40}?" + DURATION, re.IGNORECASE),
    re.compile(DURATION + r"(?: of)? follow[- ]?up\b", re.IGNORECASE),
    re.compile(r"\b(?:over|during|for) (?:a|an|the) " + DURATION
               + r"(?:[- ]long)? (?:\w+ )?(?:period|follow)", re.IGNORECASE),
)  # fmt: skip
# Words before or after a duration that make it an age.
AGE_BEFORE_RE = re.compile(r"\b(?:aged?|ages|older|younger)\b[^.;]{0,12}$|\b(?:over|under|above|"
                           r"below)\s*$", re.IGNORECASE)  # fmt: skip
AGE_AFTER_RE = re.compile(r"^(?:[- ]olds?\b|\s+of\s+age\b|\s+(?:or|and)\s+(?:older|over|above|"
                          r"more|younger))", re.IGNORECASE)  # fmt: skip
TRIAL_ID_RE = re.compile(r"\b(NCT\d{8}|ISRCTN\d+|ChiCTR[\w-]+|EudraCT[\s:]*[\d-]+)\b")

# Decimals with a point or a mid-dot (0·05); a p-value or percentage may also use a comma (0,05).
NUMBER = r"[-−]?\d+(?:[.·]\d+)?"
P_VALUE_RE = re.compile(
    r"\b[Pp](?:[\s-]*values?)?\s*(<|>|=|≤|≥|<=|>=)\s*(0?[.·,]\d+|\d(?:[.·,]\d+)?)"
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
PERCENT_RE = re.compile(r"(?<![\d.·,])(\d+(?:[.·,]\d+)?)\s?%(?!\s*(?:CI|confidence|CrI|credible))")
RATIO_CONTEXT_RE = re.compile(r"ratio|\bOR\b|\bHR\b|\bRR\b|\bIRR\b", re.IGNORECASE)

# Techniques: (name, category, words matched in any case, acronyms matched case-sensitively);
# both are matched as whole words.
TECHNIQUES: tuple[tuple[str, str, str, str], ...] = (
    ("RT-PCR / qPCR", "molecular biology",
     r"real-time PCR|polymerase chain reaction|reverse[- ]transcription PCR",
     r"RT-?q?PCR|qPCR|PCR"),
    ("RNA sequencing", "omics", r"RNA[- ]?seq|RNA sequencing|transcriptom\w+", ""),
    ("DNA sequencing", "omics",
     r"whole[- ]genome sequencing|whole[- ]exome sequencing|next[- ]generation sequencing|"
     r"Sanger sequencing", r"NGS|WGS|WES"),
    ("Single-cell sequencing", "omics", r"single[- ]cell (?:RNA[- ])?seq\w*", r"scRNA-seq"),
    ("Proteomics / mass spectrometry", "omics", r"proteomic\w*|mass spectrometry",
     r"LC-MS(?:/MS)?|MALDI(?:-TOF)?"),
    ("Metabolomics", "omics", r"metabolomic\w*", ""),
    ("CRISPR gene editing", "molecular biology", r"", r"CRISPR(?:/Cas9)?"),
    ("Western blot", "protein analysis", r"western blot\w*|immunoblot\w*", ""),
    ("ELISA", "immunoassay", r"enzyme-linked immunosorbent", r"ELISA"),
    ("Flow cytometry", "cell analysis", r"flow cytometr\w+", r"FACS"),
    ("Immunohistochemistry", "histology", r"immunohistochemi\w+", r"IHC"),
    ("Histology", "histology", r"histolog\w+|hematoxylin and eosin|haematoxylin and eosin",
     r"H&E"),
    ("Microscopy", "imaging", r"(?:confocal|electron|fluorescence) microscop\w+", r"TEM"),
    ("Cell culture", "in vitro", r"cell cultures?|cell lines?|cultured cells", ""),
    ("Animal model", "in vivo",
     r"(?:mouse|murine|rat|animal) models?|knockout mice|transgenic mice", ""),
    ("Magnetic resonance imaging", "imaging", r"magnetic resonance imaging", r"MRI|fMRI|rs-fMRI"),
    ("Computed tomography", "imaging", r"computed tomography|CT scans?", r"CT"),
    ("PET imaging", "imaging", r"positron emission tomography", r"PET(?:/CT)?"),
    ("Ultrasound / echocardiography", "imaging",
     r"ultrasound\w*|ultrasonograph\w+|echocardiograph\w+", ""),
    ("NMR spectroscopy", "chemistry", r"nuclear magnetic resonance", r"NMR"),
    ("HPLC", "chemistry", r"high-performance liquid chromatography", r"HPLC"),
    ("Molecular docking", "in silico", r"molecular docking|docking stud\w+", ""),
    ("Molecular dynamics", "in silico", r"molecular dynamics", ""),
    ("Machine learning", "computational",
     r"machine learning|deep learning|neural networks?|random forests?|support vector", ""),
    ("Spirometry", "physiological measurement", r"spirometr\w+", r"FEV1"),
    ("Electrocardiography", "physiological measurement", r"electrocardiogra\w+", r"ECG|EKG"),
    ("Questionnaire / survey", "survey", r"questionnaires?|surveys?", ""),
    ("Interviews", "qualitative", r"interviews?|focus groups?", ""),
    ("Kaplan-Meier analysis", "statistics", r"Kaplan[- ]Meier", ""),
    ("Cox proportional hazards regression", "statistics",
     r"Cox (?:proportional[- ]hazards? )?(?:regression|model)\w*|proportional hazards", ""),
    ("Logistic regression", "statistics", r"logistic regression", ""),
    ("Linear regression", "statistics", r"linear regression", ""),
    ("Mixed-effects model", "statistics",
     r"mixed[- ]effects?|mixed models?|generali[sz]ed estimating equations?", r"GEE"),
    ("Propensity score methods", "statistics", r"propensity[- ]score\w*", ""),
    ("ANOVA", "statistics", r"analysis of variance", r"ANOVA"),
    ("t-test", "statistics", r"t[- ]tests?", ""),
    ("Chi-square test", "statistics", r"chi[- ]?squared?", r"χ2"),
    ("Mann-Whitney / Wilcoxon test", "statistics", r"Mann[- ]Whitney|Wilcoxon", ""),
    ("Random-effects meta-analysis", "evidence synthesis",
     r"random[- ]effects? (?:model|meta-analys\w+)", ""),
    ("Meta-regression", "evidence synthesis", r"meta-regression", ""),
    ("Risk-of-bias assessment", "evidence synthesis",
     r"risk of bias|Newcastle[- ]Ottawa|Cochrane risk", r"GRADE"),
    ("Intention-to-treat analysis", "trial analysis", r"intention[- ]to[- ]treat", r"ITT"),
    ("Mendelian randomisation", "genetic epidemiology", r"Mendelian randomi[sz]ation", ""),
)  # fmt: skip
WORD_EDGE = r"(?<![\w-])", r"(?![\w-])"
TECHNIQUE_RES = tuple(
    (name, category, re.compile(
        "|".join(
            [f"{WORD_EDGE[0]}(?i:{words}){WORD_EDGE[1]}"] * bool(words)
            + [f"{WORD_EDGE[0]}(?:{acronyms}){WORD_EDGE[1]}"] * bool(acronyms)
        )
    ))
    for name, category, words, acronyms in TECHNIQUES
)  # fmt: skip
# An acronym right after "Town, " is a place (New Haven, CT; Boston, MA), not a technique.
PLACE_BEFORE_RE = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*,\s*$")

# Limitations the authors state. A sentence is read for them only in the Limitations section, in
# a Discussion paragraph that opens on its limitations, or, in Results, Conclusions, Discussion
# and undivided text, when it speaks the language of limitations (LIMITATION_LANGUAGE_RE).
# A limitation of the study itself, not a clinical one ("exercise limitation", "weakness").
STUDY_LIMITATION = (
    r"(?:^|\b(?:study|studies|our|this|these|main|major|several|some|key|important|potential|"
    r"notable|inherent|methodological|other|further|certain|two|three|a|one|its|the|first|"
    r"second|primary|principal|chief|limitations?)\s+(?:\w+\s+)?)(?:limitations?|"
    r"weakness(?:es)?|shortcomings?|caveats?|drawbacks?)\b|\b(?:limitations?|weakness(?:es)?|"
    r"shortcomings?) (?:of (?:this|the|our|these) (?:study|studies|analysis|analyses|review|work|"
    r"data|trial|research|findings|results)|include[sd]?|(?:is|was|were|are) (?:that|the))"
)
# What should be addressed or would have made the evidence stronger.
MISSING_THINGS = (
    r"(?:a |an )?(?:\w+ )?(?:control|blinding|randomi|data|information|follow[- ]up|comparison|"
    r"baseline|validat|generali|power|statistical|representat|diversity|objective|details?|"
    r"long-term|longitudinal|measures?|assessment|replication|external|prospective|clinical|"
    r"gold|standard|adjustment|ratings?)"
)
LIMITATION_LANGUAGE = (
    STUDY_LIMITATION,
    r"\blimit(?:s|ed|ing)? (?:the |our |its |their )?(?:generali|interpret|abilit|conclusion|"
    r"inference|applicab|extrapol|external)",
    r"\b(?:study|studies|findings|results|analysis|analyses|data|review|sample|evidence|options) "
    r"(?:\w+ )?(?:is|was|were|are|be|been) (?:\w+ )?limited\b",
    r"\blimited by\b",
    r"\bwith caution\b|\bcautious(?:ly)? interpret|\bcaution is (?:needed|warranted|required)\b",
    r"\bgenerali[sz]ab|\bgenerali[sz]ation of (?:the |our |these )?(?:results|findings)",
    r"\b(?:not|cannot|can ?not|could not|may not|might not) (?:be )?(?:necessarily |readily |"
    r"easily |directly )?(?:generali[sz]|representative|appl(?:y|icable)|extrapolat|transferable)",
    r"\b(?:cannot|can ?not|could not|unable to|(?:did|does|do) not allow|not possible to)(?: us)?"
    r"(?: to| from)? (?:be )?(?:fully |firmly |reliably )?(?:draw|infer|establish|determin|"
    r"generali|rul|exclud|assess|control|adjust|account|elucidat|examin|evaluat|mak|stat|conclu|"
    r"caus|confirm|measur|captur|distinguish|address|identif)",
    r"\bpreclud\w*",
    r"\b(?:was|were) not (?:available|assessed|measured|collected|recorded|captured|searched|"
    r"possible|blinded|randomi[sz]ed|placebo|controlled|adjusted|validated|examined|evaluated)",
    r"\bdid not (?:measure|assess|collect|record|capture|include|account|adjust|control|"
    r"evaluate|examine|fully|analy[sz]e|consider|investigate)",
    r"\b(?:did|does|do) not allow (?:for|us)\b",
    r"\b(?:lack|lacked|lacking|absence) of " + MISSING_THINGS,
    r"\black(?:s|ed)? (?:\w+ )?(?:details|data|information)\b",
    r"\blimited (?:\w+ )?(?:information|data|literature|evidence|follow[- ]up)\b",
    r"\bno (?:\w+ )?(?:control|comparison) (?:group|arm)s?\b|\bno (?:healthy )?controls\b",
    r"\bno gold[- ]standard\b",
    r"\b(?:small|limited|modest) (?:\w+ )?(?:sample|cohort)|\b(?:small|limited) number of "
    r"(?:patients|participants|cases|studies|subjects|events|trials|respondents)\b",
    r"\blow (?:statistical )?power\b|\bunderpowered\b",
    r"\b(?:sample|cohort)\b[^.;]{0,30}\b(?:was|is|were) (?:relatively |rather |very )?small\b",
    r"\b(?:response|screening|participation|follow[- ]up) rates?\b[^.;]{0,40}\b(?:was|were) "
    r"(?:relatively |rather |very )?low\b|\blow (?:response|screening|participation) rates?\b",
    r"\bonly (?:\w+ )?(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|a few|a small "
    r"number of) (?:\w+ )?(?:studies|trials|articles|papers|reports) (?:were|was) (?:included|"
    r"identified|available|eligible)|\bonly \d+ ?% of (?:the )?(?:\w+ )?(?:studies|trials|"
    r"articles|papers|reports)\b",
    r"\blow (?:methodological )?quality\b",
    r"\bmay have (?:\w+ )?(?:affected|influenced|biased|inflated|underestimated|overestimated)\b"
    r"|\bmay have had an influence\b",
    r"\b(?:selection|recall|response|reporting|publication|information|sampling|recruitment|"
    r"attrition|detection|performance|volunteer|referral|survivor(?:ship)?) bias\b",
    r"\bpotential (?:for )?bias|\bmay (?:have )?(?:been )?bias",
    r"\bresidual confounding\b|\bunmeasured confound|\bconfound\w* (?:cannot|could not|may|"
    r"might)\b|\b(?:may|might|could) (?:have )?(?:been )?confound",
    r"\b(?:retrospective|cross[- ]sectional|observational|naturalistic) nature\b",
    r"\bcross[- ]sectional (?:design|data)\b|\bcross[- ]sectionally\b",
    r"\b(?:relied|rely|relies|reliance|relying) on\b",
    r"\b(?:were|was|using|and|or) self[- ]report|\bself[- ]reported (?:data|measures|"
    r"information|diagnos\w+)",
    r"\bhigh (?:rate of )?(?:drop-?out|attrition)|\b(?:drop-?out|attrition) rates?\b",
    r"\bmissing data\b|\b(?:lost|loss) to follow[- ]up\b",
    r"\b(?:needs?|requires?|warrants?) (?:to be )?replicat|\brequire replication\b",
    r"\b(?:sample|study|participants|population|cohort) (?:was|were|is|are) (?:\w+ )?"
    r"restricted to\b",
    r"\bonly (?:at the end|one|a single|a small|a few)\b",
    r"\bsubjective (?:measures?|assessments?|nature|to some extent)|\bwhich (?:were|was|is|are) "
    r"subjective\b",
    r"\bimprecise\b",
    r"\b(?:high|substantial|considerable|significant|marked) (?:\w+ )?heterogene|\bdue to "
    r"(?:the )?heterogene|\b(?:sample|population|cohort|patients) (?:was|were) heterogeneous\b",
    r"\b(?:infer|establish|determine) causality\b|\bcausal\w* (?:inferences?|interpretation|"
    r"relationships?|associations?|conclusions?) (?:cannot|could not|is limited|are limited)",
)
LIMITATION_LANGUAGE_RE = re.compile("|".join(LIMITATION_LANGUAGE), re.IGNORECASE)
# A sentence that opens a Discussion paragraph on limitations, and the openings of the
# sentences that go on listing them.
LIMITATION_OPENER_RE = re.compile(STUDY_LIMITATION, re.IGNORECASE)
# The only limitation language read in Methods: a limitation named as such.
EXPLICIT_LIMITATION_RE = re.compile(STUDY_LIMITATION + r"|\b(?:study|studies|analysis|"
                                    r"findings|results) (?:is|was|are|were) limited by\b",
                                    re.IGNORECASE)  # fmt: skip
LIMITATION_LIST_RE = re.compile(
    r"^(?:First|Second|Third|Fourth|Fifth|Finally|Lastly|Also|Moreover|Furthermore|In addition|"
    r"Additionally|Another|Further|Besides|Next|Secondly|Thirdly|Firstly)\b"
)
LIMITATION_LIST_END_RE = re.compile(
    r"^(?:Nevertheless|Nonetheless|Despite|In (?:conclusion|summary)|Notwithstanding)\b|"
    r"\bstrengths?\b",
    re.IGNORECASE,
)
MAX_STATED_LIMITATIONS = 8
MAX_LIMITATION_LIST = 6
AUTHOR_STATED = "Author-stated limitation"
# Specific kinds of stated limitation, each named once; a sentence naming none of them (or
# saying "limitation" outright) is an author-stated limitation.
LIMITATION_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (AUTHOR_STATED, re.compile(STUDY_LIMITATION + r"|\blimited by\b", re.I)),
    ("Small sample size",
     re.compile(r"\bsmall (?:\w+ )?sample\b|\bsmall number of (?:patients|participants|cases|"
                r"subjects|studies)\b|\bunderpowered\b|"
                r"\blow (?:statistical )?power\b|\blimited (?:\w+ )?sample\b|"
                r"\bsample (?:size )?(?:was|is) (?:relatively |rather |very )?small\b", re.I)),
    ("Selection bias", re.compile(r"\bselection bias\b|\bsampling bias\b", re.I)),
    ("Possible bias",
     re.compile(r"\b(?:recall|reporting|publication|information|attrition|detection|"
                r"performance|response|recruitment|volunteer|referral) bias\b", re.I)),
    ("Confounding", re.compile(r"\bconfound\w*", re.I)),
    ("Limited generalisability",
     re.compile(r"\bgenerali[sz]\w+|\bexternal validity\b|\bnot (?:be )?representative\b",
                re.I)),
    ("Heterogeneity", re.compile(r"\bheterogene\w+", re.I)),
    ("Missing data or loss to follow-up",
     re.compile(r"\bmissing data\b|\bloss to follow-up\b|\blost to follow-up\b|"
                r"\bdrop-?outs?\b|\battrition\b", re.I)),
    ("Self-reported measures", re.compile(r"\bself-report\w*", re.I)),
    ("Short follow-up",
     re.compile(r"\bshort(?:er)? (?:\w+ )?follow-up\b|\bshort(?:er)? (?:duration|time "
                r"interval)\b|\babsence of long-term follow-up\b|\black of long-term "
                r"follow-up\b", re.I)),
    ("Interpret with caution",
     re.compile(r"\binterpreted with caution\b|\bcaution is (?:needed|warranted)\b|"
                r"\bcautious interpretation\b", re.I)),
)  # fmt: skip

# Reading the right sentences. A sentence that cites other work (a reference mark or words about
# earlier studies), or speaks of work still to be done, says nothing about how this study was done.
CITATION_RE = re.compile(
    r"\bet al\b|\[\d+(?:\s*[,–-]\s*\d+)*\]|\((?:[A-Z][\w'-]+(?: et al\.?| and [A-Z][\w'-]+)?,? "
    r"(?:19|20)\d\d[a-z]?;?\s*)+\)"
)
OTHER_WORK_RE = re.compile(
    r"\b(?:previous|prior|earlier|recent|several|many|other|some|existing|published) (?:\w+ )?"
    r"(?:studies|trials|work|reports|meta-analys[ie]s|reviews|research|literature|evidence)\b|"
    r"\b(?:a|one) (?:recent|previous|prior|large|earlier) (?:\w+ )?(?:meta-analysis|systematic "
    r"review|trial|study|review|cohort)\b|\b(?:have|has) (?:been )?(?:previously |recently |"
    r"consistently )?(?:shown|reported|demonstrated|suggested|described|found)\b|\b(?:as|was|"
    r"were) (?:previously |recently )?(?:described|reported) (?:previously|elsewhere|before)\b|"
    r"\bliterature\b"
)
FUTURE_WORK_RE = re.compile(
    r"\bfuture\b|\bfurther (?:\w+ )?(?:studies|research|trials|investigations?|work|"
    r"evaluation)\b|\b(?:is|are) (?:still |urgently )?(?:needed|required|warranted)\b|"
    r"\bshould be (?:confirmed|validated|investigated|explored|evaluated|studied|tested|"
    r"replicated|conducted)\b|\bwarrants? further\b|\bremains? to be\b",
    re.IGNORECASE,
)
# NegEx-style negation: a cue is negated when a trigger comes before it with only bridging
# words between (so "not placebo controlled or blinded" negates both cues, while "patients
# without diabetes were randomly assigned" does not negate "randomly").
NEGATION_TRIGGERS = frozenset(
    {"no", "not", "non", "without", "neither", "nor", "never", "cannot", "absence", "lack",
     "lacked", "lacking", "free", "denied"}
)  # fmt: skip
NEGATION_PAIRS = frozenset({("rather", "than"), ("instead", "of")})
NEGATION_BRIDGES = frozenset(
    {"a", "an", "the", "be", "been", "being", "was", "were", "is", "are", "of", "or", "and",
     "nor", "truly", "fully", "properly", "formally", "adequately", "double", "single",
     "triple", "blind", "blinded", "masked", "placebo", "controlled", "control", "randomized",
     "randomised", "randomly", "prospective", "clinical", "healthy", "separate", "concurrent",
     "comparison", "formal", "true", "any", "use", "using", "used", "trial", "study", "group"}
)  # fmt: skip
NEGATION_WINDOW = 6
NEGATED_AFTER_RE = re.compile(
    r"^[\w\s-]{0,20}?\b(?:was|were) not (?:used|given|administered|included|performed|applied|"
    r"available|done)\b",
    re.IGNORECASE,
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
# What a sentence denying any control ("no control group", "not placebo controlled") reads as.
NO_CONTROL = "no control group"
# Words naming a design: a sentence where one is negated ("rather than a randomised trial")
# is not offered to the design classifier.
STUDY_DESIGN_WORDS = (
    "randomi", "controlled", "trial", "meta-analy", "systematic review", "cohort",
    "case-control", "cross-sectional", "prospective", "retrospective",
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
