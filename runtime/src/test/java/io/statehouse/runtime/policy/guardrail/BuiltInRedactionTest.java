package io.statehouse.runtime.policy.guardrail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each built-in redacts what it is meant to and leaves ordinary text alone: the false negatives
 * leak personal data, the false positives make transcripts useless, so both directions are tested.
 */
class BuiltInRedactionTest {
  static final GuardrailSettings SETTINGS = GuardrailSettings.fromConfig(ConfigFactory.load());

  private static String redact(String builtIn, String text) {
    Guardrails g =
        Guardrails.compile(
            new GuardrailSpec(List.of(RedactRule.builtIn(builtIn)), null, null), SETTINGS);
    return g.redact(text, Stage.JOURNAL);
  }

  private static void assertRedacted(String builtIn, String value) {
    assertEquals(
        "before [REDACTED:" + builtIn + "] after", redact(builtIn, "before " + value + " after"));
  }

  private static void assertKept(String builtIn, String value) {
    String text = "before " + value + " after";
    assertSame(text, redact(builtIn, text), "nothing redacted, the same text returned");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"jane.doe@example.com", "j.doe+billing@mail.example.co.uk", "x_1@ab-c.io"})
  void redactsEmailAddresses(String value) {
    assertRedacted("email", value);
  }

  @ParameterizedTest
  @ValueSource(strings = {"@handle", "user@localhost", "a@b", "john at example dot com"})
  void keepsTextThatIsNotAnEmailAddress(String value) {
    assertKept("email", value);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "+44 20 7946 0958",
        "+1 (415) 555-0123",
        "+14155550123",
        "+33 6 12 34 56 78",
        "(415) 555-0123",
        "415-555-0123",
        "415.555.0123",
        "1-800-555-0199",
        "020 7946 0958",
        "06 12 34 56 78"
      })
  void redactsPhoneNumbers(String value) {
    assertRedacted("phone", value);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "order 12345",
        "150.00",
        "1,234,567.89",
        "4155550123",
        "2024-01-15",
        "15/01/2024",
        "version 1.2.3",
        "at 12:30",
        "+5 points",
        "room 101"
      })
  void keepsOrdinaryNumbersThatAreNotPhoneNumbers(String value) {
    assertKept("phone", value);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "5555 5555 5555 4444",
        "3782 822463 10005",
        "4012888888881881"
      })
  void redactsCardNumbersThatPassLuhn(String value) {
    assertRedacted("card", value);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "4111 1111 1111 1112", // fails Luhn
        "4111111111111", // 13 digits, fails Luhn
        "1712345678907", // epoch-millis-like: passes Luhn, but no card number starts with 1
        "order 12345",
        "4111 1111 1111" // 12 digits
      })
  void keepsDigitRunsThatAreNotCardNumbers(String value) {
    assertKept("card", value);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "call 12 then 4111-1111-1111-1111",
        "card 4111 1111 1111 1111 123",
        "12 4111 1111 1111 1111"
      })
  void findsACardNumberInsideALongerRunOfDigitGroups(String text) {
    String redacted = redact("card", text);
    assertEquals(false, redacted.contains("4111"), redacted);
    assertEquals(true, redacted.contains("[REDACTED:card]"), redacted);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "DE89 3704 0044 0532 0130 00",
        "DE89370400440532013000",
        "GB82 WEST 1234 5698 7654 32",
        "FR14 2004 1010 0505 0001 3M02 606",
        "NO93 8601 1117 947"
      })
  void redactsIbansWhoseCheckDigitsHold(String value) {
    assertRedacted("iban", value);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "DE88 3704 0044 0532 0130 00", // wrong check digits
        "GB82 WEST 1234 5698 7654 33",
        "AB12 CDEF GHIJ KLMN", // the shape, not an IBAN
        "de89 3704 0044 0532 0130 00" // IBANs are written in capitals
      })
  void keepsIbanShapedTextWhoseCheckDigitsFail(String value) {
    assertKept("iban", value);
  }

  @org.junit.jupiter.api.Test
  void findsAnIbanFollowedByMoreCapitals() {
    assertEquals(
        "pay to [REDACTED:iban] NOW PLEASE",
        redact("iban", "pay to DE89 3704 0044 0532 0130 00 NOW PLEASE"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"123-45-6789", "078-05-1120", "AB 12 34 56 C", "AB123456C", "130-692-544"})
  void redactsNationalIdentifiers(String value) {
    assertRedacted("national_id", value);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "000-12-3456", // SSN area never issued
        "666-12-3456",
        "912-34-5678",
        "123-00-4567",
        "123-45-0000",
        "2024-01-15",
        "QQ123456C", // NINO prefix letters never used
        "GB123456A",
        "130-692-545", // SIN failing Luhn
        "046-454-286", // SIN passing Luhn, but 0 is never a first digit (Canada's sample number)
        "415-555-0123"
      })
  void keepsLookalikesOfNationalIdentifiers(String value) {
    assertKept("national_id", value);
  }
}
