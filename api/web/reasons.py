"""Plain-language reasons for every error code that can reach the website.

Each entry is ``(what, fix)``: which part is wrong, then what the reader can do. Both are gettext
messages (extracted through ``N_``) with at most these placeholders, filled by
:func:`api.web.present.present` from the issue:

``%(part)s``  the text at the issue's span in what was checked (only used by codes whose span is
              never empty)
``%(ai)s``    the GS1 Application Identifier of the element (only used by codes that always carry
              ``context.ai``)

:data:`REACHABLE` names the families whose codes the website can show: the format checks of
:func:`trace_std.check.check` (``input``, ``code``, ``puc``, ``gs1``, ``dl``), the registry checks
of :func:`trace_std.registry.verify.verify` and the photo decoder (``image``).
``tests/web/test_reasons.py`` walks :class:`trace_std.errors.ErrorCode` and fails on any code of
these families without an entry here (and on any code the library modules behind the site raise
that is outside them).

Warnings about harmless repairs (:data:`HARMLESS`: case, spaces, dashes, full-width forms, a missing
dash) are not problems: the page shows what the input was read as instead.
"""

from __future__ import annotations


def N_(message: str) -> str:
    return message


REACHABLE: tuple[str, ...] = (
    "input.",
    "code.",
    "puc.",
    "gs1.",
    "dl.",
    "registry.code.",
    "registry.product.",
    "registry.lot.",
    "registry.crop.",
    "registry.market.",
    "registry.authorisation.missing",
    "registry.unavailable",
    "image.",
)

HARMLESS: frozenset[str] = frozenset(
    {
        "code.form.case",
        "code.form.whitespace",
        "code.form.dash",
        "code.form.compatibility",
        "code.form.vietnamese_d",
        "code.separator.missing",  # only when a warning: the dash before the sequence was added
        "gs1.separator.missing",  # only when a warning: the scanner data still reads unambiguously
    }
)

# Shared "what to do" sentences.
RETYPE = N_("Compare it with the code printed on the label and type it again.")
RETYPE_OR_SCAN = N_("Check each character against the label, or scan the barcode instead of typing.")
LABEL_WRONG = N_(
    "If you scanned it, the label itself is printed wrongly: do not trust it, and tell the seller."
)
REPORT = N_("Do not rely on this product; report it to the seller or the plant protection authority.")
NOTHING = N_("Nothing to do: this is for information.")
TRY_LATER = N_("Please try again in a few minutes.")
PHOTO_AGAIN = N_("Take a new, sharp photo of the whole code, or type the code printed under it.")

DATE_BAD = N_("The date in (%(ai)s) is not a real calendar date.")
TIME_BAD = N_("The time in (%(ai)s) is not a real time of day.")
COUNTRY_BAD = N_("The country code in (%(ai)s) is not a valid country code.")

REASONS: dict[str, tuple[str, str]] = {
    # -- any input
    "input.empty": (N_("Nothing was entered."), N_("Type the code printed on the label, or scan it.")),
    "input.too_long": (N_("The text is far too long to be a code."), RETYPE),
    "input.control_character": (
        N_("The text contains invisible control characters, usually from copying."),
        N_("Type the code by hand instead of pasting it."),
    ),
    "input.unrecognised": (
        N_("This is not a planting-area code, packing-house code, GTIN, GS1 element string or Digital Link."),
        N_("A planting-area code looks like VN-SLOR-0001; a GTIN has 8 to 14 digits."),
    ),
    # -- PUC / PHC codes
    "code.form.case": (N_("The code was written in lower case."), NOTHING),
    "code.form.whitespace": (N_("The code contained spaces."), NOTHING),
    "code.form.dash": (N_("The code contained a typographic dash instead of a hyphen."), NOTHING),
    "code.form.compatibility": (N_("The code was typed in full-width characters."), NOTHING),
    "code.form.vietnamese_d": (N_("The code was typed with the Vietnamese letter Đ instead of D."), NOTHING),
    "code.character.invalid": (
        N_("“%(part)s” cannot appear in a code: only letters A-Z, digits 0-9 and hyphens can."),
        RETYPE,
    ),
    "code.character.non_ascii_digit": (
        N_("“%(part)s” is a digit from another script: codes use the digits 0-9."),
        N_("Switch the keyboard to Latin digits and type the code again."),
    ),
    "code.country.invalid": (
        N_("The code must start with VN, not “%(part)s”."),
        N_("Codes issued in Viet Nam start with VN-, for example VN-SLOR-0001."),
    ),
    "code.type.unknown": (
        N_("“%(part)s” should be OR (planting area) or PH (packing house)."),
        RETYPE,
    ),
    "code.separator.missing": (
        N_("A hyphen is missing between two parts of the code."),
        N_("Write the parts with hyphens between them, for example VN-SLOR-0001."),
    ),
    "code.separator.unexpected": (
        N_("There is a hyphen inside a part of the code."),
        N_("The province letters and OR or PH belong together, for example VN-SLOR-0001."),
    ),
    "code.segment.missing": (
        N_("A part of the code is missing, usually the number at the end."),
        N_("Copy the whole code from the label, including the number at the end."),
    ),
    "code.segment.length": (
        N_("“%(part)s” has the wrong number of characters for its part of the code."),
        N_("Copy that part exactly as printed, including leading zeros."),
    ),
    "code.segment.character": (
        N_("“%(part)s” does not belong in its part of the code (letters where digits go, or the reverse)."),
        RETYPE,
    ),
    "code.segment.unexpected": (
        N_("There is extra text after the code: “%(part)s”."),
        N_("Remove the extra text and check again."),
    ),
    "code.kind.mismatch": (
        N_("This is a packing-house code where a planting-area code was expected, or the reverse."),
        N_("Planting-area codes contain OR; packing-house codes contain PH."),
    ),
    "code.abbreviation.unknown": (
        N_("The province letters “%(part)s” are not in our list of known abbreviations."),
        N_("The registry check below still decides; compare the letters with the label."),
    ),
    "code.abbreviation.ambiguous": (
        N_("The province letters “%(part)s” stand for more than one province."),
        N_("The registry record below says which province it is."),
    ),
    # -- domestic planting-area codes
    "puc.province.unknown": (N_("“%(part)s” is not the number of a province."), RETYPE),
    "puc.district.unknown": (N_("“%(part)s” is not the number of a district."), RETYPE),
    "puc.district.mismatch": (N_("District “%(part)s” is not in the province the code names."), RETYPE),
    "puc.district.abolished": (
        N_("Districts were abolished on 1 July 2025; the district part of this code is historical."),
        NOTHING,
    ),
    "puc.commune.unknown": (N_("“%(part)s” is not the number of a commune."), RETYPE),
    "puc.commune.mismatch": (
        N_("Commune “%(part)s” is not in the district or province the code names."),
        RETYPE,
    ),
    "puc.year.future": (N_("The issue year “%(part)s” is in the future."), RETYPE),
    "puc.year.before_scheme": (
        N_("The issue year “%(part)s” is before this kind of code was introduced in 2022."),
        N_("The registry check below still decides; compare the year with the certificate."),
    ),
    # -- GS1 keys, element strings
    "gs1.key.length": (
        N_("The product number has the wrong number of digits."),
        N_("A GTIN has 8, 12, 13 or 14 digits: copy all of them."),
    ),
    "gs1.key.character": (N_("The product number contains characters that are not digits."), RETYPE),
    "gs1.key.checksum": (
        N_("The last digit (the check digit) does not fit the others: a digit was probably mistyped."),
        RETYPE_OR_SCAN,
    ),
    "gs1.key.component": (N_("A fixed part of the GS1 number is wrong."), RETYPE_OR_SCAN),
    "gs1.ai.unknown": (
        N_("A number in brackets is not a GS1 Application Identifier."),
        RETYPE_OR_SCAN,
    ),
    "gs1.ai.malformed": (N_("A GS1 Application Identifier is written wrongly."), RETYPE_OR_SCAN),
    "gs1.ai.repeated": (N_("(%(ai)s) is given twice with different values."), LABEL_WRONG),
    "gs1.pair.required": (N_("(%(ai)s) needs another element that is missing."), LABEL_WRONG),
    "gs1.pair.excluded": (N_("(%(ai)s) may not appear together with another element present."), LABEL_WRONG),
    "gs1.digsig.serial": (N_("The digital signature needs a serial number that is missing."), LABEL_WRONG),
    "gs1.value.length": (N_("The value of (%(ai)s) has the wrong length."), RETYPE_OR_SCAN),
    "gs1.value.character": (N_("The value of (%(ai)s) contains characters it may not have."), RETYPE_OR_SCAN),
    "gs1.separator.double": (N_("Two field separators stand next to each other."), LABEL_WRONG),
    "gs1.separator.superfluous": (N_("The data starts with a field separator."), LABEL_WRONG),
    "gs1.separator.missing": (N_("A field separator is missing after a value."), NOTHING),
    "gs1.hri.syntax": (
        N_("The brackets around an Application Identifier are not closed or not in place."),
        N_("Write each element as (AI) then its value, for example (01)08936000120016(10)SL250812A."),
    ),
    "gs1.symbology.unknown": (
        N_("The scanner's prefix at the start is not a known barcode type."),
        LABEL_WRONG,
    ),
    "gs1.voice_pick.lot": (N_("The lot for the voice pick code is not valid."), RETYPE_OR_SCAN),
    "gs1.voice_pick.date": (N_("The date for the voice pick code is not valid."), RETYPE_OR_SCAN),
    # GS1 Barcode Syntax Dictionary linters
    "gs1.lint.couponcode": (N_("The coupon data in (%(ai)s) is not valid."), LABEL_WRONG),
    "gs1.lint.couponposoffer": (N_("The coupon data in (%(ai)s) is not valid."), LABEL_WRONG),
    "gs1.lint.cset39": (
        N_("(%(ai)s) may only contain capital letters, digits and the signs # - /."),
        RETYPE_OR_SCAN,
    ),
    "gs1.lint.cset64": (N_("(%(ai)s) contains characters that are not allowed in it."), RETYPE_OR_SCAN),
    "gs1.lint.cset82": (
        N_("(%(ai)s) contains a character that GS1 barcodes cannot carry (accents, some symbols)."),
        RETYPE_OR_SCAN,
    ),
    "gs1.lint.csum": (
        N_("The check digit of (%(ai)s) does not fit the other digits: a digit was probably mistyped."),
        RETYPE_OR_SCAN,
    ),
    "gs1.lint.csumalpha": (N_("The check characters of (%(ai)s) do not fit."), RETYPE_OR_SCAN),
    "gs1.lint.gcppos1": (N_("(%(ai)s) does not start with a GS1 company prefix."), RETYPE_OR_SCAN),
    "gs1.lint.gcppos2": (
        N_("(%(ai)s) does not contain a GS1 company prefix where it should."),
        RETYPE_OR_SCAN,
    ),
    "gs1.lint.hasnondigit": (
        N_("(%(ai)s) must contain at least one character that is not a digit."),
        LABEL_WRONG,
    ),
    "gs1.lint.hh": (TIME_BAD, RETYPE_OR_SCAN),
    "gs1.lint.hhmi": (TIME_BAD, RETYPE_OR_SCAN),
    "gs1.lint.mi": (TIME_BAD, RETYPE_OR_SCAN),
    "gs1.lint.ss": (TIME_BAD, RETYPE_OR_SCAN),
    "gs1.lint.hyphen": (N_("(%(ai)s) contains a hyphen where none is allowed."), RETYPE_OR_SCAN),
    "gs1.lint.iban": (N_("The bank account number (IBAN) in (%(ai)s) is not valid."), LABEL_WRONG),
    "gs1.lint.importeridx": (N_("The importer index in (%(ai)s) is not valid."), LABEL_WRONG),
    "gs1.lint.iso3166": (COUNTRY_BAD, RETYPE_OR_SCAN),
    "gs1.lint.iso3166999": (COUNTRY_BAD, RETYPE_OR_SCAN),
    "gs1.lint.iso3166alpha2": (COUNTRY_BAD, RETYPE_OR_SCAN),
    "gs1.lint.iso4217": (N_("The currency code in (%(ai)s) is not valid."), RETYPE_OR_SCAN),
    "gs1.lint.iso5218": (N_("The sex code in (%(ai)s) must be 0, 1, 2 or 9."), LABEL_WRONG),
    "gs1.lint.latitude": (N_("The latitude in (%(ai)s) is out of range."), LABEL_WRONG),
    "gs1.lint.longitude": (N_("The longitude in (%(ai)s) is out of range."), LABEL_WRONG),
    "gs1.lint.mediatype": (N_("The media type in (%(ai)s) is not a known one."), LABEL_WRONG),
    "gs1.lint.nonzero": (N_("(%(ai)s) must not be zero."), RETYPE_OR_SCAN),
    "gs1.lint.nozeroprefix": (N_("(%(ai)s) must not start with a zero."), RETYPE_OR_SCAN),
    "gs1.lint.zero": (N_("(%(ai)s) must be zero here."), RETYPE_OR_SCAN),
    "gs1.lint.packagetype": (N_("The package type in (%(ai)s) is not a known one."), LABEL_WRONG),
    "gs1.lint.pcenc": (N_("The percent-encoding in (%(ai)s) is broken."), LABEL_WRONG),
    "gs1.lint.pieceoftotal": (
        N_("The piece number in (%(ai)s) is zero or larger than the total."),
        LABEL_WRONG,
    ),
    "gs1.lint.posinseqslash": (
        N_("The position in sequence in (%(ai)s) is not written as N/M."),
        LABEL_WRONG,
    ),
    "gs1.lint.winding": (N_("The winding direction in (%(ai)s) must be 0, 1 or 9."), LABEL_WRONG),
    "gs1.lint.yesno": (N_("(%(ai)s) must be 0 (no) or 1 (yes)."), LABEL_WRONG),
    "gs1.lint.yymmd0": (DATE_BAD, RETYPE_OR_SCAN),
    "gs1.lint.yymmdd": (DATE_BAD, RETYPE_OR_SCAN),
    "gs1.lint.yyyymmdd": (DATE_BAD, RETYPE_OR_SCAN),
    # -- GS1 Digital Link
    "dl.scheme": (N_("The web address does not start with http:// or https://."), RETYPE_OR_SCAN),
    "dl.host": (N_("The web address has no site name."), RETYPE_OR_SCAN),
    "dl.character": (
        N_("The web address contains a character that web addresses cannot have."),
        RETYPE_OR_SCAN,
    ),
    "dl.path.segment": (N_("The web address has an empty or extra part (a stray /)."), RETYPE_OR_SCAN),
    "dl.key.missing": (
        N_("The web address holds no product number (such as /01/ and a GTIN)."),
        LABEL_WRONG,
    ),
    "dl.key.multiple": (N_("The web address holds more than one product number."), LABEL_WRONG),
    "dl.ai.unknown": (N_("A part of the web address is not a GS1 Application Identifier."), LABEL_WRONG),
    "dl.qualifier.invalid": (
        N_("(%(ai)s) cannot follow the product number in the web address."),
        LABEL_WRONG,
    ),
    "dl.qualifier.order": (N_("(%(ai)s) is in the wrong place in the web address."), LABEL_WRONG),
    "dl.query.duplicate": (N_("(%(ai)s) is given twice in the web address."), LABEL_WRONG),
    "dl.query.path_ai": (
        N_("(%(ai)s) belongs in the path of the web address, not after the ?."),
        LABEL_WRONG,
    ),
    "dl.query.not_attribute": (N_("(%(ai)s) may not appear after the ? of the web address."), LABEL_WRONG),
    "dl.query.unknown_ai": (
        N_("A number after the ? of the web address is not a GS1 Application Identifier."),
        LABEL_WRONG,
    ),
    "dl.value.empty": (N_("A value in the web address is empty."), LABEL_WRONG),
    "dl.percent.nul": (
        N_("The web address contains a forbidden null character (a percent sign and 00)."),
        LABEL_WRONG,
    ),
    "dl.percent.invalid": (
        N_("A percent sign in the web address is not followed by two hexadecimal digits."),
        LABEL_WRONG,
    ),
    "dl.gtin.zero_suppressed": (N_("The GTIN in the web address lost its leading zeros."), LABEL_WRONG),
    "dl.convenience_alpha": (N_("The web address uses names instead of GS1 numbers."), LABEL_WRONG),
    # -- registry verification
    "registry.code.not_found": (
        N_("No registered planting area or packing house has this code."),
        N_("Check the code against the label. If it is right, the product may be counterfeit: report it."),
    ),
    "registry.code.not_yet_issued": (
        N_("The code had not been issued yet on the date checked (the pack date, when the label has one)."),
        REPORT,
    ),
    "registry.code.suspended": (
        N_("The code is suspended: exports under it are paused."),
        N_("Products packed before the suspension may still be sold; ask the seller for the pack date."),
    ),
    "registry.code.revoked": (N_("The code has been revoked and must not be used."), REPORT),
    "registry.code.kind_mismatch": (
        N_("A packing-house code is used where a planting-area code belongs, or the other way round."),
        LABEL_WRONG,
    ),
    "registry.product.not_found": (
        N_("No registered exporter has this product number (GTIN)."),
        N_("Check the number against the label. If it is right, the product may be counterfeit: report it."),
    ),
    "registry.lot.not_found": (N_("This lot is not registered for this product."), REPORT),
    "registry.lot.puc_mismatch": (N_("The lot is registered to a different planting area."), REPORT),
    "registry.lot.phc_mismatch": (N_("The lot is registered to a different packing house."), REPORT),
    "registry.lot.pack_date_mismatch": (
        N_("The pack date on the label differs from the registered one."),
        REPORT,
    ),
    "registry.crop.mismatch": (N_("The planting area grows a different crop from this product."), REPORT),
    "registry.market.not_approved": (
        N_("The code is not approved for the destination market."),
        N_("This carton should not be on sale in that market: ask the seller."),
    ),
    "registry.market.expired": (
        N_("The approval for the destination market had expired."),
        N_("This carton should not be on sale in that market: ask the seller."),
    ),
    "registry.market.unknown": (N_("The destination market is not one we know."), NOTHING),
    "registry.authorisation.missing": (
        N_(
            "The planting area's holder has not authorised this packing house or exporter to use its code "
            "on the pack date."
        ),
        N_("Ask the seller which planting area the fruit came from; the authority can check the details."),
    ),
    "registry.unavailable": (N_("The registry could not be reached."), TRY_LATER),
    # -- photos
    "image.no_symbol": (N_("No barcode or QR code was found in the photo."), PHOTO_AGAIN),
    "image.too_large": (N_("The photo is too large to be checked."), PHOTO_AGAIN),
    "image.unreadable": (N_("The file could not be opened as a photo."), N_("Send a JPEG or PNG photo.")),
}

GENERIC = (N_("There is a problem with this code."), RETYPE)

# -- exporters' label files (the /labels page) ------------------------------------------------
#
# Each entry is ``(what, fix)`` about one cell, row or the whole file, for the exporter who made
# it; no placeholders: the page shows the row, column, cell as written and what it was read as
# beside the sentence. Codes of the consumer families above (a PUC or GTIN cell that is wrong in
# the way a typed code can be, a registry check of a row) keep their :data:`REASONS` sentence,
# with :data:`FILE_FIX` as what to do. ``tests/web/test_reasons.py`` walks every code the batch
# validator can emit and fails on one without a reason in any language.

FILE_REACHABLE: tuple[str, ...] = ("label.", "file.", "batch.")

FILE_FIX = N_("Correct this cell in your file and upload it again.")
READ_CHECK = N_("Nothing to do if it was read correctly; the corrected file has the repaired value.")
TEXT_COLUMN = N_("Format the column as Text in Excel, type the value again and upload the file again.")
DATE_FIX = N_("Write the date as dd/mm/yyyy (day first) or use a date cell in Excel.")
SAVE_AGAIN = N_("Save the file again from Excel as .xlsx or as CSV UTF-8, then upload it.")
TEMPLATE = N_("Use the column names of the template, or the Vietnamese, English or Chinese names it lists.")

FILE_REASONS: dict[str, tuple[str, str]] = {
    # -- a cell
    "label.field.required": (
        N_("A cell that every label needs is empty."),
        N_("Fill in this cell for the row, then upload the file again."),
    ),
    "label.field.invalid": (N_("The value in this cell is not in the form this column needs."), FILE_FIX),
    "label.field.too_long": (
        N_("The text in this cell is longer than the barcode can carry."),
        N_("Shorten it to the length the template gives for this column."),
    ),
    "label.field.character": (
        N_(
            "This cell has a character the barcode cannot carry, such as a space, an accent or an invisible "
            "character."
        ),
        N_("Use only letters A-Z, digits and simple punctuation without accents or spaces in this column."),
    ),
    "label.field.unknown": (
        N_("This column is not one of the template's columns, so it was not read."),
        N_("Nothing to do if the column is only for your office; otherwise rename it as in the template."),
    ),
    "label.date.invalid": (N_("The cell is not a real calendar date."), DATE_FIX),
    "label.date.ambiguous": (
        N_("The date can be read two ways (day and month could be swapped); the cell shows how it was read."),
        N_("Write the year in four digits and the day first (dd/mm/yyyy), or use a date cell in Excel."),
    ),
    "label.date.range": (
        N_("The harvest period ends before it starts."),
        N_("Check the first and last harvest dates of this row and correct the one that is wrong."),
    ),
    "label.date.order": (
        N_("The dates of this row are in an impossible order (for example packed before harvested)."),
        N_("Check the harvest and pack dates of this row and correct the one that is wrong."),
    ),
    "label.date.future": (
        N_("This date is in the future."),
        N_("Check the year and the day and month; dates are written day first."),
    ),
    "label.date.best_before": (
        N_("The best-before date is before the pack date."),
        N_("Check both dates of this row and correct the one that is wrong."),
    ),
    "label.date.unencodable": (
        N_("This date is too far from today for the barcode's two-digit year."),
        N_("Check the year: a label date lies within a few years of today."),
    ),
    "label.weight.invalid": (
        N_("The net weight is not a number of kilograms greater than zero."),
        N_("Write the weight in kilograms as a number, for example 10 or 10,5."),
    ),
    "label.weight.unencodable": (
        N_(
            "The barcode cannot carry this weight (at most six digits, five of them after the decimal comma)."
        ),
        N_("Round the weight, for example to two decimals, and check that it is in kilograms."),
    ),
    "label.count.invalid": (
        N_("The count is not a whole number from 1 to 99,999,999."),
        N_("Write a whole number without decimals or units."),
    ),
    "label.country.unknown": (
        N_("This is not a country code or a country name we know."),
        N_("Write the two-letter ISO country code, for example CN for China or VN for Viet Nam."),
    ),
    "label.market.unknown": (
        N_("The destination market is not a country code or a country name we know."),
        N_("Write the two-letter ISO country code, for example CN for China."),
    ),
    "label.market.required": (
        N_("The destination market requires this information on the label, and the cell is empty."),
        N_("Fill in this cell for the row, then upload the file again."),
    ),
    "label.market.mismatch": (
        N_("The destination market is not the market of the rules the file was checked against."),
        N_("Check the destination market of this row, or check the file against that market's rules."),
    ),
    "label.market.unconfirmed": (
        N_("The destination market may require this information; its rules are not confirmed."),
        N_("Fill in this cell if you have it, and check the importer's requirements."),
    ),
    "label.puc.kind": (
        N_("This cell needs a planting-area code (…OR-…), but it holds a packing-house code."),
        N_("Put the planting-area code here and the packing-house code in its own column."),
    ),
    "label.phc.kind": (
        N_("This cell needs a packing-house code (…PH-…), but it holds a planting-area code."),
        N_("Put the packing-house code here and the planting-area code in its own column."),
    ),
    "label.gtin.prefix": (
        N_("The GTIN does not start with 893, the GS1 Viet Nam prefix."),
        N_("Nothing to do if the product was numbered outside Viet Nam; otherwise check the GTIN."),
    ),
    "label.gtin.scientific": (
        N_("Excel shows this GTIN in scientific notation, so its last digits are lost."),
        TEXT_COLUMN,
    ),
    "label.gtin.leading_zeros": (
        N_(
            "The GTIN has too few digits, and adding the zeros Excel drops does not give a valid check digit."
        ),
        TEXT_COLUMN,
    ),
    "label.profile.unmapped": (
        N_("This value has no place in the barcode of the chosen market's rules."),
        N_("Nothing to do if the value is only for your records."),
    ),
    "label.profile.mismatch": (
        N_("This value does not meet the chosen market's rules."),
        N_("Check the market's rules for this column and correct the cell."),
    ),
    # -- repairs (warnings)
    "label.repaired.date": (N_("The date was written in another form and was read as shown."), READ_CHECK),
    "label.repaired.gtin": (
        N_("Excel had dropped the GTIN's leading zeros; the check digit proves the repaired GTIN."),
        READ_CHECK,
    ),
    "label.repaired.code": (
        N_("The code was written with spaces, lower case or other dashes and was read as shown."),
        READ_CHECK,
    ),
    "label.repaired.market": (
        N_("The market was written as a name and was read as the country code shown."),
        READ_CHECK,
    ),
    "label.repaired.number": (
        N_("The number was written with a decimal comma and was read as shown."),
        READ_CHECK,
    ),
    # -- rows of the file
    "file.header.row": (
        N_("The column names were found below title or blank rows; the rows above them are not read."),
        N_("Nothing to do."),
    ),
    "file.row.skipped": (
        N_("This row is not a label (a blank, notes or totals row) and was skipped."),
        N_("Nothing to do if the row is not a carton; otherwise fill in its cells as a label row."),
    ),
    "file.row.malformed": (
        N_("This row cannot be read: it has a different number of cells from the header, or broken quoting."),
        SAVE_AGAIN,
    ),
    "batch.serial.duplicate": (
        N_("This serial number is already used by another row of the file."),
        N_("Give every carton its own serial number."),
    ),
    "batch.sscc.duplicate": (
        N_("This SSCC is already used by another row of the file."),
        N_("Give every carton its own SSCC."),
    ),
    "batch.lot.harvest_conflict": (
        N_("Another row has the same lot number with a different harvest date."),
        N_("A lot has one harvest date: correct the date or give this row its own lot number."),
    ),
    # -- the whole file
    "file.unreadable": (N_("The file could not be read."), SAVE_AGAIN),
    "file.format.unknown": (
        N_("This kind of file is not a label file we can read."),
        N_("Upload an Excel (.xlsx), CSV or JSON Lines file."),
    ),
    "file.binary": (N_("The file is not text, nor an Excel workbook we can open."), SAVE_AGAIN),
    "file.encoding": (N_("The file's text encoding could not be read."), SAVE_AGAIN),
    "file.truncated": (
        N_("The file is cut short: it ends in the middle."),
        N_("Upload the whole file again."),
    ),
    "file.empty": (N_("The file has no label rows."), N_("Fill in at least one row under the column names.")),
    "file.columns.missing": (N_("Columns that every label needs are missing from the file."), TEMPLATE),
    "file.columns.duplicate": (
        N_("Two columns of the file have the same meaning."),
        N_("Keep one of them and delete or rename the other."),
    ),
    "file.too_large": (
        N_("The file is too large to be checked here."),
        N_("Split it into smaller files, or check it with trace-std validate."),
    ),
}

#: The market a mistyped one was probably meant to be (``context.suggestion``).
DID_YOU_MEAN = N_("Did you mean %(suggestion)s?")
