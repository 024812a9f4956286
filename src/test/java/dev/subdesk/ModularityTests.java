package dev.subdesk;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;
import org.springframework.modulith.core.ApplicationModules;
import org.springframework.modulith.docs.Documenter;

class ModularityTests {

	private final ApplicationModules modules = ApplicationModules.of(SubdeskApplication.class);

	@Test
	void moduleBoundariesHold() {
		modules.verify();
	}

	@Test
	void edgesOnlyTranslateAndKeepNoTables() {
		JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
			.importPackages("dev.subdesk");
		noClasses().that()
			.resideInAnyPackage("dev.subdesk.api..", "dev.subdesk.web..", "dev.subdesk.console..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("org.springframework.jdbc..", "javax.sql..", "java.sql..")
			.because("the API, the pages and the console translate; the tables and their rules live in domain modules")
			.check(classes);
	}

	@Test
	void writesModuleDocumentation() {
		new Documenter(modules).writeModulesAsPlantUml().writeIndividualModulesAsPlantUml();
	}
}
