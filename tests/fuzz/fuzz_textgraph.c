/* Text graph parser: any bytes as a .npg file. */
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_checks.h"
#include "graph/textgraph.h"

NP_FUZZ_TARGET(textgraph) {
  const char *text = (const char *)data;
  (void)np_textgraph_sniff(text, size);
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *graph = np_textgraph_parse(text, size, "fuzz.npg", &diag);
  np_fuzz_check_diag("textgraph", graph != NULL, &diag, "fuzz.npg", true);
  np_graph_free(graph);
  np_diag_free(&diag);
  return 0;
}
