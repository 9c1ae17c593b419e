// What every SystemC test binary needs besides its tests.
#include <gtest/gtest.h>

#include "platform.h"

// libsystemc references sc_main (declared extern "C" by SystemC); gtest_main provides main,
// so the tests never call this.
extern "C" int sc_main(int, char **) { return 0; }

namespace {

// After the tests (and their modules) are gone, free the kernel's coroutine stacks so that
// LeakSanitizer can scan the heap at exit (see npusim::reset_systemc_kernel).
class SystemcKernelCleanup : public ::testing::Environment {
 public:
  void TearDown() override { npusim::reset_systemc_kernel(); }
};

const ::testing::Environment *const kCleanup = ::testing::AddGlobalTestEnvironment(new SystemcKernelCleanup);

}  // namespace
