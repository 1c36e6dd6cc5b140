#include "metrics/text_format.h"

#include <charconv>
#include <cmath>

namespace doorman::metrics {
namespace {

void append_escaped(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

void append_double(std::string& out, double v) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, ec == std::errc() ? end : buffer);
}

}  // namespace

void TextWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += help;  // help texts are ours: no backslash or newline
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void TextWriter::begin(std::string_view name, std::initializer_list<Label> labels,
                       std::string_view extra_name, std::string_view extra_value) {
  out_ += name;
  if (labels.size() == 0 && extra_name.empty()) {
    out_ += ' ';
    return;
  }
  out_ += '{';
  bool first = true;
  const auto add = [&](std::string_view key, std::string_view value) {
    if (!first) out_ += ',';
    first = false;
    out_ += key;
    out_ += "=\"";
    append_escaped(out_, value);
    out_ += '"';
  };
  for (const auto& [key, value] : labels) add(key, value);
  if (!extra_name.empty()) add(extra_name, extra_value);
  out_ += "} ";
}

void TextWriter::sample(std::string_view name, std::initializer_list<Label> labels,
                        uint64_t value) {
  begin(name, labels);
  out_ += std::to_string(value);
  out_ += '\n';
}

void TextWriter::sample_signed(std::string_view name, std::initializer_list<Label> labels,
                               int64_t value) {
  begin(name, labels);
  out_ += std::to_string(value);
  out_ += '\n';
}

void TextWriter::sample_double(std::string_view name, std::initializer_list<Label> labels,
                               double value) {
  begin(name, labels);
  append_double(out_, value);
  out_ += '\n';
}

void TextWriter::histogram(std::string_view name, std::initializer_list<Label> labels,
                           const Histogram& h) {
  const std::string bucket = std::string(name) + "_bucket";
  uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= Histogram::kBounds.size(); ++i) {
    cumulative += h.bucket(i);
    std::string le;
    if (i == Histogram::kBounds.size())
      le = "+Inf";
    else
      append_double(le, Histogram::kBounds[i]);
    begin(bucket, labels, "le", le);
    out_ += std::to_string(cumulative);
    out_ += '\n';
  }
  sample_double(std::string(name) + "_sum", labels, h.sum());
  sample(std::string(name) + "_count", labels, h.count());
}

}  // namespace doorman::metrics
