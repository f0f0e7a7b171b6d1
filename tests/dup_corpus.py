"""Real documents for the copies-and-versions tests: a lease in three versions and two
copies (one of them a Word file), letters on one template, and filled-in forms."""
from __future__ import annotations

import os
from pathlib import Path

LEASE = [
    "Residential Lease Agreement between Harbour Lettings Limited, the landlord, and Mr "
    "Samuel Okafor, the tenant, for the flat at 14 Quay Street, Bristol.",
    "The tenancy begins on the first day of March and runs for twelve months. Either party "
    "may end it after the first six months by giving two months of written notice, delivered "
    "by hand or by recorded post to the address given in this agreement.",
    "The rent is nine hundred and fifty pounds a month, payable in advance on the first day "
    "of each month by standing order. Rent paid more than fourteen days late carries interest "
    "at three percent above the Bank of England base rate until it is paid in full.",
    "A deposit of one thousand one hundred pounds is paid before the tenant moves in. The "
    "landlord protects it in a government approved scheme within thirty days and gives the "
    "tenant the prescribed information about the scheme and how to dispute deductions.",
    "The tenant keeps the flat clean and in good condition, reports any damage or disrepair "
    "promptly, and does not make alterations, paint the walls or fix anything to them without "
    "the landlord's written consent, which will not be refused without a good reason.",
    "The landlord keeps the structure and exterior in repair, including the roof, the "
    "drains, the gutters and the pipes, and keeps the installations for water, gas, "
    "electricity, sanitation and heating in proper working order throughout the tenancy.",
    "The landlord may enter the flat to inspect its condition or carry out repairs at "
    "reasonable times of the day, after giving at least twenty four hours of written notice, "
    "except in an emergency such as a flood, a fire or a gas leak.",
    "The tenant pays the council tax, the water charges, the electricity and gas bills, the "
    "broadband and the television licence for the whole of the tenancy, and tells the "
    "suppliers the meter readings on the day the tenancy begins and on the day it ends.",
    "No pets are kept in the flat without the landlord's written consent. The tenant does "
    "not smoke inside the building, does not sublet or take in lodgers, and does not use the "
    "flat for any business open to callers from the public.",
    "At the end of the tenancy the tenant returns every key, leaves the flat clean and "
    "empty of belongings, and allows a check-out inspection against the inventory signed at "
    "the start. Fair wear and tear is not deducted from the deposit.",
    "Any notice under this agreement is given in writing. This agreement is governed by the "
    "law of England and Wales, and both parties keep a signed copy of it together with the "
    "inventory and the energy performance certificate of the flat.",
]

#: version 2: the rent clause's first sentence changed
LEASE_V2 = list(LEASE)
LEASE_V2[2] = LEASE[2].replace("nine hundred and fifty pounds a month, payable in advance on "
                               "the first day of each month by standing order",
                               "one thousand and twenty pounds a month, payable in advance on "
                               "the fifth day of each month by bank transfer")
#: version 3: and then the pets clause
LEASE_V3 = list(LEASE_V2)
LEASE_V3[8] = LEASE_V2[8].replace("No pets are kept in the flat without the landlord's written "
                                  "consent.", "One small dog may be kept in the flat, provided "
                                  "the carpets are professionally cleaned when the tenancy ends.")

TERMS = [
    "Terms of business. Harbour Lettings Limited acts as agent for the owners of the "
    "properties it manages. Our client money is held in a designated account and protected by "
    "a client money protection scheme; the certificate is available on request and shown on "
    "our website. We are members of an independent redress scheme for complaints that we "
    "cannot settle ourselves within eight weeks of receiving them in writing. Any fees we "
    "charge are listed in our published tariff, which includes value added tax at the "
    "prevailing rate, and no other fee is charged without your agreement in advance. "
    "Personal data you give us is used only to manage your tenancy and is kept for six years "
    "after it ends, as the law requires of letting agents.",
    "How to reach us. Our office at 3 Anchor Road is open from nine until half past five on "
    "weekdays and from ten until one on Saturdays. Repairs that cannot wait, such as a burst "
    "pipe, no heating in winter or a broken front door lock, can be reported at any hour on "
    "the emergency line printed on your key fob; other repairs are reported through the "
    "tenant portal, where you can follow them until they are done and add photographs. "
    "Please quote your tenancy reference in every message so that it reaches the right "
    "property manager quickly, and keep us told of any change of telephone number or "
    "email address so that we can reach you about visits and safety checks.",
    "Complaints procedure. If you are unhappy with our service, write to the branch manager, "
    "who will acknowledge your complaint within three working days and investigate it. You "
    "will receive a full written answer within fifteen working days. If you remain "
    "dissatisfied, the complaint is reviewed by a director who had no part in the first "
    "answer, and after that you may refer it to the redress scheme free of charge. The "
    "scheme can require us to put things right and to pay compensation, and we always "
    "follow its decisions in full. Nothing in this procedure affects your statutory rights "
    "as a tenant or as a consumer under the law of England and Wales.",
]

LETTER_BODIES = [
    ("Dear Ms Patel, thank you for telling us about the damp patch on the bedroom ceiling. "
     "A roofer will inspect the flashing around the chimney next Tuesday morning, and if the "
     "lead has cracked it will be replaced the same week. Once the roof is watertight our "
     "decorator will treat the stain with a sealing primer and repaint the ceiling. Please "
     "leave the loft hatch clear so that the roofer can see the underside of the roof, and "
     "let us know if the patch grows or starts to drip before then."),
    ("Dear Mr Lindqvist, your annual gas safety check is due before the end of next month. "
     "Our engineer will test the boiler, the hob and the flue, and check that the carbon "
     "monoxide alarm works. The visit takes about forty minutes. If the proposed time does "
     "not suit you, reply with two other mornings and we will rearrange it. You will "
     "receive a copy of the certificate within a week of the visit, and the engineer will "
     "leave a note of any advice about ventilation or the radiators in the kitchen."),
    ("Dear Dr Haddad, we confirm that your request to end the tenancy has been received and "
     "that the last day will be the thirtieth of June. A check-out appointment has been "
     "booked for that afternoon. Please have the carpets cleaned, defrost the freezer and "
     "return all four keys, including the bicycle shed key. Your deposit will be released "
     "within ten days of the inspection, less any agreed deductions, and we will send the "
     "final meter readings to the energy supplier on your behalf."),
    ("Dear Mrs Novak, following the inspection on Friday we are pleased to say the flat is "
     "in excellent condition. We noticed that the extractor fan in the bathroom is noisy and "
     "have asked an electrician to replace it. We also recommend opening the windows for a "
     "few minutes each morning during the winter to keep condensation down in the bedroom. "
     "The garden hedge will be trimmed by the landlord's gardener in the autumn, and the "
     "communal hallway light has already been repaired."),
    ("Dear Mr Adeyemi, the rent review for your tenancy is due on the first of September. "
     "After comparing similar flats in the area the landlord proposes a new rent of seven "
     "hundred and eighty pounds a month, an increase of three percent. If you agree, please "
     "sign and return the enclosed memorandum. If you would like to discuss the proposal, "
     "our lettings manager is available on Wednesday afternoons, and you may also ask the "
     "rent tribunal to review any increase that you think is above the market rate."),
    ("Dear Miss Romano, we are sorry to hear that the washing machine has stopped working. "
     "It belongs to the landlord, so the repair is at no cost to you. An appliance engineer "
     "will call on Thursday between eight and twelve. If the machine cannot be repaired "
     "economically it will be replaced with a model of the same size within a week. In the "
     "meantime the launderette on Mill Lane will refund you on production of the receipts, "
     "up to ten pounds for each week without a machine."),
]

MINUTES = ("Minutes of the residents' association, 4 February. Present: eleven residents and "
           "the managing agent. The bin store will be moved nearer the gate after complaints "
           "about the smell in summer. The new bicycle racks arrive in April. The agent "
           "reported that the lift contract is being retendered and that three quotes are "
           "expected before the next meeting. The treasurer presented the accounts, which "
           "were approved. Next meeting: the first Tuesday in May, in the community room.\n")

FORM_ANSWERS = [
    ("14 March, about ten past three in the afternoon", "The loading bay behind the warehouse",
     "A pallet of tinned tomatoes slid off the forklift as it turned and struck the "
     "shutter door, denting it badly.", "Two drivers waiting to unload their lorries",
     "The forklift was taken out of use and its forks inspected by the supervisor."),
    ("2 April, just before the morning break", "The staff kitchen on the second floor",
     "Water leaked from under the dishwasher across the floor and a colleague slipped, "
     "bruising her wrist on the worktop.", "The office manager and a visiting plumber",
     "The dishwasher was switched off, the floor dried and a warning sign put up."),
    ("19 May, late in the evening shift", "The car park next to the main entrance",
     "A delivery van reversed into a bollard in poor light; nobody was hurt but the "
     "bollard was knocked loose from its base.", "The night security guard",
     "The bollard was fenced off and the lighting contractor was called."),
    ("7 June, during the fire drill", "The north stairwell between floors three and four",
     "A visitor tripped on a loose stair nosing while leaving the building and twisted "
     "his ankle; first aid was given at the assembly point.", "Two fire wardens",
     "The stair nosing was taped off and the facilities team booked a repair."),
    ("23 July, mid morning", "The print room in the basement",
     "The large printer overheated and gave off a burning smell; the room was cleared "
     "and the machine unplugged.", "The reprographics assistant",
     "The printer was labelled out of order and the supplier was asked to service it."),
]
FORM_HEADINGS = ["Date and time of the incident", "Where it happened",
                 "Describe what happened", "Who saw it", "What was done straight away"]


def form_text(answers: tuple[str, ...]) -> str:
    lines = ["Incident report form. Complete every section and return it to the health and "
             "safety officer within two working days."]
    lines += [f"{h}: {a}" for h, a in zip(FORM_HEADINGS, answers)]
    return "\n\n".join(lines) + "\n"


def letter_text(body: str) -> str:
    return "\n\n".join([body, *TERMS]) + "\n"


def lease_text(clauses: list[str], newline: str = "\n") -> str:
    return (newline * 2).join(clauses) + newline


def write_library(folder: Path) -> dict[str, Path]:
    """Writes the documents; returns a name for each file the tests talk about."""
    import docx

    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}

    def put(name: str, rel: str, text: str, mtime: int) -> None:
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode("utf-8"))
        os.utime(p, (mtime, mtime))
        out[name] = p

    day = 86_400
    t0 = 1_700_000_000
    put("v1", "contracts/lease 2023.txt", lease_text(LEASE), t0)
    put("v2", "contracts/lease 2024 draft.txt", lease_text(LEASE_V2), t0 + 30 * day)
    put("v3", "contracts/lease 2024 signed.txt", lease_text(LEASE_V3), t0 + 60 * day)
    # the signed lease again: other names, other bytes (Windows line ends), a Word file
    put("copy_crlf", "backup/Lease (Okafor).txt", lease_text(LEASE_V3, "\r\n"), t0 + 61 * day)
    d = docx.Document()
    for clause in LEASE_V3:
        d.add_paragraph(clause)
    p = folder / "mail attachments" / "signed lease.docx"
    p.parent.mkdir(parents=True, exist_ok=True)
    d.save(str(p))
    os.utime(p, (t0 + 62 * day, t0 + 62 * day))
    out["copy_docx"] = p
    put("minutes", "association/minutes-february.txt", MINUTES, t0 + 5 * day)
    put("minutes_copy", "Downloads/minutes (1).txt", MINUTES, t0 + 9 * day)
    for i, body in enumerate(LETTER_BODIES):
        put(f"letter{i}", f"letters/letter-{i + 1}.txt", letter_text(body), t0 + i * day)
    for i, answers in enumerate(FORM_ANSWERS):
        put(f"form{i}", f"forms/incident-{i + 1}.txt", form_text(answers), t0 + i * day)
    return out
