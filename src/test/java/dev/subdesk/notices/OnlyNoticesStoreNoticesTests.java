package dev.subdesk.notices;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * Invariant 12: notices are listeners of the events of the modules that change state, never side effects written by
 * those modules. No class outside the notices module stores a notice ({@link Notices}' sending methods and erasure)
 * or writes one ({@link Letter}, {@link Letters}, {@link Notices.Draft}); the API, pages and console only read them.
 */
class OnlyNoticesStoreNoticesTests {

	private static final String NOTICES = "dev.subdesk.notices..";

	private static final JavaClasses MAIN = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.subdesk");

	private static ArchRule noClassesThatStoreOrWriteNotices(boolean outsideNotices) {
		var classes = outsideNotices ? noClasses().that().resideOutsideOfPackage(NOTICES)
				: noClasses().that().resideInAPackage(NOTICES).and().doNotBelongToAnyOf(Notices.class);
		return classes.should()
			.callMethodWhere(target(owner(assignableTo(Notices.class))).and(target(nameMatching("send|sendAll|sendOneTimeCode|letterFor|erase"))))
			.orShould()
			.dependOnClassesThat()
			.belongToAnyOf(Letter.class, Letters.class, Notices.Draft.class)
			.because("notices are written by the notices module's listeners of other modules' events (invariant 12)");
	}

	@Test
	void noModuleButNoticesStoresOrWritesANotice() {
		noClassesThatStoreOrWriteNotices(true).check(MAIN);
	}

	@Test
	void theRuleSeesTheNoticesModulesOwnListenersStoreNotices() {
		var found = noClassesThatStoreOrWriteNotices(false).evaluate(MAIN);

		assertThat(found.hasViolation()).isTrue();
		assertThat(found.getFailureReport().getDetails()).anyMatch(line -> line.contains("EventNotices"))
			.anyMatch(line -> line.contains("SubscriptionNotices") && line.contains("sendAll"));
	}
}
