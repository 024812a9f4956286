package dev.subdesk.jurisdictions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.shared.WithdrawalPeriod;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The rule table (classpath:jurisdictions/rules.json): who gets which rule, and the switches folded in. */
class JurisdictionsTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static JsonNode table() throws IOException {
		try (InputStream in = new ClassPathResource("jurisdictions/rules.json").getInputStream()) {
			return JSON.readTree(in);
		}
	}

	private static Jurisdictions with(Set<String> switchedOn) throws IOException {
		return new Jurisdictions(table(), property -> switchedOn.contains(property));
	}

	@Test
	void usCustomersMustConsentAndOnlyThoseInAKnownStateOtherThanMinnesotaMayHearOffers() throws IOException {
		Jurisdictions rules = with(Set.of());
		assertThat(rules.forCustomer("US", "CA").id()).isEqualTo("US-CA");
		assertThat(rules.forCustomer("US", "TX").id()).isEqualTo("US-*");
		assertThat(rules.forCustomer("US", null).id()).isEqualTo("US");
		for (String region : new String[] { "CA", "NY", "MN", "MA", "TX" }) {
			assertThat(rules.forCustomer("US", region).consentRequired()).as(region).isTrue();
		}
		assertThat(rules.forCustomer("US", null).consentRequired()).isTrue();
		assertThat(rules.forCustomer("US", "CA").offersAllowed()).isTrue();
		assertThat(rules.forCustomer("US", "TX").offersAllowed()).isTrue();
		assertThat(rules.forCustomer("US", "MN").offersAllowed()).isFalse();
		assertThat(rules.forCustomer("US", null).offersAllowed()).as("an unknown state: the strictest").isFalse();
		assertThat(rules.forCustomer("US", "CA").separateConsentCheckbox()).isTrue();
		assertThat(rules.forCustomer("US", "TX").separateConsentCheckbox()).isFalse();
		assertThat(rules.forCustomer("US", null).separateConsentCheckbox())
			.as("an unknown state: the strictest, California's separate box (R-CA-1/2)").isTrue();
		for (String region : new String[] { "NY", "MN", "MA" }) {
			assertThat(rules.forCustomer("US", region).separateConsentCheckbox()).as(region).isFalse();
		}
		assertThat(rules.forCustomer("US", "CA").rules()).contains("R-CA-1", "R-CA-2", "R-CA-7");
	}

	@Test
	void euCustomersHaveTheWithdrawalPeriodAndNobodyElseDoes() throws IOException {
		Jurisdictions rules = with(Set.of());
		assertThat(rules.forCustomer("DE", null).withdrawalDays()).isEqualTo(WithdrawalPeriod.DAYS);
		assertThat(rules.forCustomer("FR", null).id()).isEqualTo("EU");
		assertThat(rules.forCustomer("FR", "75").withdrawal()).isTrue();
		assertThat(rules.forCustomer("GB", null).withdrawal()).isFalse();
		assertThat(rules.forCustomer("US", "CA").withdrawal()).isFalse();
		assertThat(rules.forCustomer("JP", null).id()).isEqualTo(Jurisdictions.EVERYWHERE);
		assertThat(rules.forCustomer("DE", null).consentRequired()).isFalse();
		for (String country : WithdrawalPeriod.EU.keySet()) {
			assertThat(rules.forCustomer(country, null).withdrawalDays()).as(country).isEqualTo(WithdrawalPeriod.DAYS);
		}
		long inTable = rules.all().values().stream().filter(JurisdictionRules::withdrawal).count();
		assertThat(inTable).as("EU and DE entries only").isEqualTo(2);
	}

	@Test
	void theComplianceSwitchesAreFoldedIntoTheTable() throws IOException {
		Jurisdictions off = with(Set.of());
		assertThat(off.switches())
			.containsOnlyKeys("de-termination-without-notice", "pre-billing-notice", "uk-subscription-rules")
			.containsValues(false);
		assertThat(off.forCustomer("DE", null).terminationWithoutNotice()).isFalse();
		assertThat(off.noticeActive(ScheduledNotice.UPCOMING_CHARGE)).isFalse();
		assertThat(off.noticeActive(ScheduledNotice.RENEWAL_REMINDER)).isTrue();

		Jurisdictions on = with(
				Set.of("subdesk.compliance.de-termination-without-notice", "subdesk.compliance.pre-billing-notice"));
		assertThat(on.forCustomer("DE", null).terminationWithoutNotice()).isTrue();
		assertThat(on.forCustomer("FR", null).terminationWithoutNotice()).as("German law only").isFalse();
		assertThat(on.forCustomer("US", "CA").terminationWithoutNotice()).isFalse();
		assertThat(on.noticeActive(ScheduledNotice.UPCOMING_CHARGE)).isTrue();
	}

	@Test
	void theUkSwitchGivesCustomersInTheUkAWithdrawalRightAtThePurchaseAndAfterEachYearlyRenewal() throws IOException {
		Jurisdictions off = with(Set.of());
		assertThat(off.forCustomer("GB", null).withdrawal()).isFalse();
		assertThat(off.forCustomer("GB", null).withdrawalAfterRenewal()).isFalse();
		assertThat(off.forCustomer("GB", null).rules()).doesNotContain("R-UK-2", "R-UK-5");

		Jurisdictions on = with(Set.of("subdesk.compliance.uk-subscription-rules"));
		assertThat(on.forCustomer("GB", null).withdrawalDays()).isEqualTo(14);
		assertThat(on.forCustomer("GB", null).withdrawalAfterRenewal()).isTrue();
		assertThat(on.forCustomer("GB", null).rules()).contains("R-UK-2", "R-UK-3", "R-UK-5");
		assertThat(on.forCustomer("DE", null).withdrawalAfterRenewal()).as("UK law only").isFalse();
		assertThat(on.forCustomer("US", "CA").withdrawal()).isFalse();
	}

	@Test
	void theNoticeScheduleSitsInsideEveryWindowItServes() throws IOException {
		Jurisdictions rules = with(Set.of());
		assertThat(rules.daysBefore(ScheduledNotice.RENEWAL_REMINDER, "P1Y")).as("R-CA-7: 15-45 days").isBetween(15, 45);
		assertThat(rules.daysBefore(ScheduledNotice.UPCOMING_CHARGE, "P1Y")).as("R-CARD-3: 3-7 days").isBetween(3, 7);
		assertThat(rules.daysBefore(ScheduledNotice.RENEWAL_REMINDER, "P1M")).isPositive();
		for (String term : java.util.List.of("P1Y", "P1M")) {
			assertThat(rules.daysBefore(ScheduledNotice.TRIAL_ENDING, term))
				.as("R-CARD-1/2: at least 7 days before the first charge")
				.isGreaterThanOrEqualTo(7)
				.as("R-CA-6: 3 to 21 days before the trial ends")
				.isBetween(3, 21);
		}
		assertThat(rules.noticeActive(ScheduledNotice.TRIAL_ENDING)).as("on for everyone, no switch").isTrue();
		assertThat(rules.notices()).allSatisfy(n -> assertThat(n.rules()).isNotEmpty());
	}

	@Test
	void theNoticeOfAPromotionsEndIsOnWithoutTheSwitchInsideCaliforniasWindowForTheCustomersOfR_CA_6() throws IOException {
		for (Jurisdictions rules : new Jurisdictions[] { with(Set.of()),
				with(Set.of("subdesk.compliance.pre-billing-notice")) }) {
			NoticeRule promotion = rules.promotionEndingNotice().orElseThrow();
			assertThat(promotion.type()).isEqualTo(ScheduledNotice.UPCOMING_CHARGE);
			assertThat(promotion.daysBefore()).as("R-CA-6: 3 to 21 days before the promotion ends").isBetween(3, 21);
			assertThat(promotion.terms()).as("promotions longer than 31 days").containsExactly("P1Y");
			assertThat(promotion.rules()).contains("R-CA-6");
			assertThat(rules.forCustomer("US", "CA").servesAnyOf(promotion.rules())).isTrue();
			assertThat(rules.forCustomer("US", null).servesAnyOf(promotion.rules())).as("an unknown state: the strictest")
				.isTrue();
			assertThat(rules.forCustomer("US", "TX").servesAnyOf(promotion.rules())).isFalse();
			assertThat(rules.forCustomer("DE", null).servesAnyOf(promotion.rules())).isFalse();
			assertThat(rules.daysBefore(ScheduledNotice.UPCOMING_CHARGE, "P1Y")).as("the switch's own notice")
				.isBetween(3, 7);
		}
		assertThat(with(Set.of()).noticeActive(ScheduledNotice.UPCOMING_CHARGE))
			.as("a promotion's end does not switch the pre-billing notice on for everyone")
			.isFalse();
		// a monthly promotion (at most 31 days) ends with the renewal reminder, inside R-CA-6's 3 to 21 days
		assertThat(with(Set.of()).daysBefore(ScheduledNotice.RENEWAL_REMINDER, "P1M")).isBetween(3, 21);
	}

	@Test
	void everyRuleIdOfTheTableIsOneOfTheChecklistsIds() throws IOException {
		Jurisdictions rules = with(Set.of());
		rules.all().values().forEach(r -> assertThat(r.rules()).as(r.id()).allMatch(
				id -> id.matches("R-(US-[1-3]|CA-[1-9]|NY-[12]|MN-1|MA-1|DE-[1-7]|EU-[124-8]|UK-[2-5]|CARD-[1-4]|REF-1)")));
	}

	@Test
	void aTableWithAnUnknownFieldParentOrSwitchIsRefusedAtStartUp() throws IOException {
		ObjectNode unknownField = (ObjectNode) table().deepCopy();
		((ObjectNode) unknownField.path("jurisdictions").get(1)).put("consentRequried", true);
		assertThatThrownBy(() -> new Jurisdictions(unknownField, p -> false)).hasMessageContaining("consentRequried");

		ObjectNode unknownParent = (ObjectNode) table().deepCopy();
		((ObjectNode) unknownParent.path("jurisdictions").get(1)).put("parent", "NOWHERE");
		assertThatThrownBy(() -> new Jurisdictions(unknownParent, p -> false)).hasMessageContaining("NOWHERE");

		ObjectNode unknownSwitch = (ObjectNode) table().deepCopy();
		for (JsonNode entry : unknownSwitch.path("jurisdictions")) {
			if (entry.path("id").asString().equals("DE")) {
				((ObjectNode) entry).put("terminationWithoutNoticeWhen", "button-broken");
			}
		}
		assertThatThrownBy(() -> new Jurisdictions(unknownSwitch, p -> false)).hasMessageContaining("button-broken");
	}

	@Test
	void aTableNamingAnUnknownNoticeTypeOrSchedulingNoneOfAKindIsRefusedAtStartUp() throws IOException {
		ObjectNode unknownType = (ObjectNode) table().deepCopy();
		((ObjectNode) unknownType.path("notices").get(1)).put("type", "RENEWAL_REMINDR");
		assertThatThrownBy(() -> new Jurisdictions(unknownType, p -> false))
			.hasMessageContaining("unknown notice type RENEWAL_REMINDR");

		ObjectNode noPriceChange = (ObjectNode) table().deepCopy();
		ArrayNode notices = (ArrayNode) noPriceChange.path("notices");
		for (int i = notices.size() - 1; i >= 0; i--) {
			if (notices.get(i).path("type").asString().equals("PRICE_CHANGE")) {
				notices.remove(i);
			}
		}
		assertThatThrownBy(() -> new Jurisdictions(noPriceChange, p -> false))
			.hasMessageContaining("schedules no notice of type [PRICE_CHANGE]");
	}
}
