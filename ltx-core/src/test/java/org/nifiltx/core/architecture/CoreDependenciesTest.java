package org.nifiltx.core.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * ltx-core stays NiFi-free and native-free: processors, the CLI and every backend depend on it, never the other way,
 * so the same core runs in NiFi, on the command line and under any backend.
 */
@AnalyzeClasses(packages = "org.nifiltx.core", importOptions = ImportOption.DoNotIncludeTests.class)
class CoreDependenciesTest {
    @ArchTest
    static final ArchRule noNifi = noClasses().should().dependOnClassesThat().resideInAnyPackage("org.apache.nifi..")
            .because("core is shared by the CLI and NiFi; NiFi types belong in the service API and processors");

    @ArchTest
    static final ArchRule noNativeRuntimes = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("ai.onnxruntime..", "org.bytedeco..", "ai.djl..", "com.sun.jna..")
            .because("backends are found through the Backend SPI; core must load without native libraries");

    @ArchTest
    static final ArchRule noOnnxOrBackendModules = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("org.nifiltx.onnx..", "org.nifiltx.trt..", "org.nifiltx.cli..", "org.nifiltx.nifi..",
                    "com.google.protobuf..")
            .because("dependencies point one way: ltx-onnx, trt-engines, the CLI and NiFi depend on core");
}
