// TextWriter: the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): one "# HELP" and "# TYPE"
// line per family, then its samples. Label values are escaped (\\, \", \n); numbers are
// written exactly (integers as integers, doubles shortest round-trip, +Inf for the last bucket).
// Thread safety: a value; used by one scrape at a time.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "metrics/histogram.h"

namespace doorman::metrics {

using Label = std::pair<std::string_view, std::string_view>;

class TextWriter {
 public:
  // type: "counter", "gauge" or "histogram".
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, std::initializer_list<Label> labels, uint64_t value);
  void sample_signed(std::string_view name, std::initializer_list<Label> labels, int64_t value);
  void sample_double(std::string_view name, std::initializer_list<Label> labels, double value);
  // NAME_bucket{...,le="..."} (cumulative), NAME_sum, NAME_count.
  void histogram(std::string_view name, std::initializer_list<Label> labels, const Histogram& h);

  const std::string& text() const { return out_; }

 private:
  void begin(std::string_view name, std::initializer_list<Label> labels,
             std::string_view extra_name = {}, std::string_view extra_value = {});
  std::string out_;
};

}  // namespace doorman::metrics
