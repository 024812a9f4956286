package dev.subdesk.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ModuleTest;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The module boots alone on its own database: the demo catalog of the contract, with its German names. */
@ModuleTest(extraIncludes = "clock")
class CatalogModuleTests {

	@Autowired
	Catalog catalog;

	@Test
	void theCatalogReadsTheDemoPlansInCatalogOrder() {
		assertThat(catalog.plans()).extracting(Plan::code)
			.startsWith("antivirus-annual", "antivirus-monthly", "vpn-annual", "utilities-annual", "total-annual",
					"identity-addon-annual", "vpn-addon-monthly");
		Plan addOn = catalog.get("identity-addon-annual");
		assertThat(addOn.isAddOn()).isTrue();
		assertThat(addOn.addOnTo()).containsExactly("antivirus-annual", "total-annual");
		assertThat(catalog.get("antivirus-annual").price().amount()).isEqualTo(5999);
		assertThat(catalog.name("antivirus-annual", Locale.GERMAN)).isNotEqualTo(catalog.get("antivirus-annual").name());
	}
}
