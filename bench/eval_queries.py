"""The evaluation's committed query sets, read by bench/eval.py; the engine was not tuned on them.

REVIEW_QUERIES: 48 MeSH descriptors of pubmed20n0014 with 25–300 indexed records each, drawn by
`bench/eval.py --choose-descriptors` (seed 12, check tags excluded), each with the objective a
researcher would type; those with a bracket carry the synonyms a researcher would add. Ground
truth: a record is relevant iff NLM indexed it with the descriptor.

FINDING_OBJECTIVES: 30 objectives on the demo file pubmed21n1298 (2021, COVID-era), each with
its core concept's words: a key finding names the concept when it contains one of them.
"""

from __future__ import annotations

REVIEW_QUERIES: tuple[tuple[str, str], ...] = (
    ("Abdomen", "abdomen (abdominal region)"),
    ("Action Potentials", "action potentials"),
    ("Adrenal Cortex", "adrenal cortex function"),
    ("Anxiety", "anxiety"),
    ("Aortic Aneurysm", "aortic aneurysm"),
    ("Atropine", "effects of atropine"),
    ("Bacterial Vaccines", "bacterial vaccines"),
    ("Carbon Radioisotopes", "carbon radioisotopes (carbon-14 labelled tracers)"),
    ("Carcinoma", "carcinoma"),
    ("Cell Differentiation", "cell differentiation"),
    ("Circadian Rhythm", "circadian rhythm (diurnal variation)"),
    ("Common Bile Duct", "common bile duct"),
    ("Cromolyn Sodium", "cromolyn sodium (sodium cromoglycate)"),
    ("Diverticulum", "diverticulum (diverticula, diverticulosis)"),
    ("Drug Administration Schedule", "drug administration schedule and dosing regimen"),
    ("Feeding Behavior", "feeding behaviour (food intake)"),
    ("Ferricyanides", "ferricyanide"),
    ("Fluorouracil", "fluorouracil (5-FU) therapy"),
    ("Gastrointestinal Neoplasms", "gastrointestinal neoplasms (gastrointestinal cancer)"),
    ("Gentamicins", "gentamicin"),
    ("Glucose Tolerance Test", "glucose tolerance test"),
    ("Health Education", "health education"),
    ("Hydrocephalus", "hydrocephalus"),
    ("Immunoglobulin A", "immunoglobulin A (IgA)"),
    ("Infant, Premature", "premature infants (preterm)"),
    ("Insecticides", "insecticides"),
    ("Klebsiella pneumoniae", "Klebsiella pneumoniae infection"),
    ("Leukocytes", "leukocytes (white blood cells)"),
    ("Mast-Cell Sarcoma", "mast-cell sarcoma (mastocytoma)"),
    ("Methylation", "methylation"),
    ("Morphine", "morphine"),
    ("Nephrotic Syndrome", "nephrotic syndrome"),
    ("Nursing Homes", "nursing homes"),
    ("Osteomyelitis", "osteomyelitis"),
    ("Ovum", "ovum (oocytes, eggs)"),
    ("Pancreas", "the pancreas"),
    ("Pentosyltransferases", "pentosyltransferase enzymes (phosphoribosyltransferase)"),
    ("Peroxidases", "peroxidases"),
    ("Phenobarbital", "phenobarbital (phenobarbitone)"),
    ("Salmonella typhimurium", "Salmonella typhimurium"),
    ("Serotyping", "serotyping"),
    ("Smoking Prevention", "smoking prevention"),
    ("Social Adjustment", "social adjustment"),
    ("Social Behavior", "social behaviour"),
    ("Stomach Neoplasms", "stomach neoplasms (gastric cancer)"),
    ("Temporal Lobe", "temporal lobe"),
    ("Uterus", "the uterus (uterine)"),
    ("Visual Fields", "visual fields"),
)

FINDING_OBJECTIVES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("remdesivir treatment outcomes in COVID-19", ("remdesivir",)),
    (
        "corticosteroids such as dexamethasone in severe COVID-19",
        ("corticosteroid", "corticosteroids", "dexamethasone", "steroid", "steroids",
         "methylprednisolone"),
    ),
    ("tocilizumab in COVID-19", ("tocilizumab", "interleukin-6", "IL-6")),
    ("hydroxychloroquine for COVID-19", ("hydroxychloroquine", "chloroquine", "HCQ")),
    ("ivermectin for COVID-19", ("ivermectin",)),
    (
        "mRNA vaccine effectiveness against SARS-CoV-2",
        ("vaccine", "vaccines", "vaccination", "vaccinated", "BNT162b2", "mRNA-1273"),
    ),
    ("COVID-19 vaccine hesitancy", ("hesitancy", "hesitant")),
    (
        "anticoagulation and thrombosis in COVID-19",
        ("anticoagulation", "anticoagulant", "anticoagulants", "heparin", "thrombosis",
         "thromboembolism", "thrombotic"),
    ),
    (
        "mental health of healthcare workers during the COVID-19 pandemic",
        ("mental health", "anxiety", "depression", "depressive", "burnout", "distress", "stress"),
    ),
    (
        "long COVID persistent symptoms after infection",
        ("long COVID", "post-COVID", "persistent", "post-acute", "sequelae"),
    ),
    ("anosmia and olfactory dysfunction in COVID-19", ("anosmia", "smell", "olfactory")),
    ("acute kidney injury in COVID-19", ("acute kidney injury", "AKI", "kidney", "renal")),
    (
        "myocardial injury and myocarditis in COVID-19",
        ("myocarditis", "myocardial", "troponin", "cardiac"),
    ),
    (
        "diabetes and COVID-19 severity",
        ("diabetes", "diabetic", "glucose", "hyperglycemia", "hyperglycaemia"),
    ),
    (
        "obesity as a risk factor for severe COVID-19",
        ("obesity", "obese", "BMI", "body mass index"),
    ),
    (
        "multisystem inflammatory syndrome in children (MIS-C)",
        ("multisystem inflammatory syndrome", "MIS-C", "children", "paediatric", "pediatric"),
    ),
    (
        "pregnancy outcomes in women with COVID-19",
        ("pregnancy", "pregnant", "maternal", "neonatal", "neonates"),
    ),
    (
        "telemedicine during the COVID-19 pandemic",
        ("telemedicine", "telehealth", "virtual", "remote", "video"),
    ),
    (
        "prone positioning in COVID-19 ARDS",
        ("prone", "proning", "prone position", "prone positioning"),
    ),
    ("convalescent plasma therapy for COVID-19", ("convalescent plasma", "plasma")),
    (
        "diagnostic accuracy of RT-PCR and antigen tests for SARS-CoV-2",
        ("PCR", "RT-PCR", "antigen", "sensitivity", "specificity"),
    ),
    (
        "chest CT findings in COVID-19 pneumonia",
        ("CT", "computed tomography", "ground-glass", "ground glass"),
    ),
    (
        "outcomes of cancer patients with COVID-19",
        ("cancer", "cancers", "oncology", "tumor", "tumour", "malignancy", "malignancies"),
    ),
    ("face masks to prevent SARS-CoV-2 transmission", ("mask", "masks", "face mask", "respirator")),
    ("smoking and COVID-19 outcomes", ("smoking", "smokers", "smoker", "tobacco")),
    ("vitamin D and COVID-19", ("vitamin D", "25-hydroxyvitamin D", "cholecalciferol")),
    (
        "mortality of mechanically ventilated COVID-19 patients",
        ("mechanical ventilation", "mechanically ventilated", "ventilated", "intubation",
         "intubated", "ventilator"),
    ),
    (
        "effects of lockdown on physical activity",
        ("physical activity", "exercise", "sedentary"),
    ),
    (
        "neutralizing antibodies after SARS-CoV-2 infection",
        ("neutralizing", "neutralising", "antibody", "antibodies", "IgG"),
    ),
    ("stroke in patients with COVID-19", ("stroke", "cerebrovascular")),
)  # fmt: skip
